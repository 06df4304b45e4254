"""The DPO's retention desk: legal holds placed and lifted, reviews at expiry decided, and the
trigger facts (date of death, end of treatment, a child's date of birth) recorded. Only the
policy's DPO role may act; every act is an audit event naming the subject, never the content.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.services.clinic_service import ClinicService
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.retention import (
    HoldKind,
    RetentionFactRow,
    RetentionHoldRow,
    RetentionReviewRow,
    ReviewDecision,
    keep_child_birth_date,
)
from hippocratic.storage.subject import SubjectRow


@dataclass(frozen=True)
class Hold:
    hold_id: str
    subject_id: str
    record_kind: str | None
    record_id: str | None
    kind: str
    reason: str
    owner: str
    placed_by: str
    placed_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None


@dataclass(frozen=True)
class Review:
    review_id: str
    subject_id: str
    rule: str
    item_kind: str
    item_id: str
    due: date
    role: str
    decision: str | None
    decided_by: str | None
    keep_until: date | None
    reason: str | None
    disposed_at: datetime | None


def _hold(row: RetentionHoldRow) -> Hold:
    return Hold(
        row.hold_id,
        row.subject_id,
        row.record_kind,
        row.record_id,
        row.kind,
        row.reason,
        row.owner,
        row.placed_by,
        row.placed_at,
        row.lifted_at,
        row.lifted_by,
        row.lift_reason,
    )


def _review(row: RetentionReviewRow) -> Review:
    return Review(
        row.review_id,
        row.subject_id,
        row.rule,
        row.item_kind,
        row.item_id,
        row.due,
        row.role,
        row.decision,
        row.decided_by,
        row.keep_until,
        row.reason,
        row.disposed_at,
    )


class RetentionDesk(ClinicService):
    def _record(self, session: Session, subject: str | None, action: str, reason: str) -> None:
        event = AuditEvent(
            at=self.now(),
            actor=self.actor.actor,
            role=self.actor.role,
            purpose="retention",
            subject=subject,
            action=action,
            outcome="allowed",
            rule_ids=["retention:desk"],
            reason=reason,
        )
        append(session, self.organisation, [event], self._notary)

    def _subject(self, session: Session, subject: str) -> None:
        if session.get(SubjectRow, (self.organisation, subject)) is None:
            raise NotFound(f"no patient {subject} here", field="subject")

    # -- holds -----------------------------------------------------------------------------

    def place_hold(
        self,
        subject: str,
        kind: str,
        reason: str,
        owner: str,
        record_kind: str | None = None,
        record_id: str | None = None,
    ) -> Hold:
        self.require_dpo("place a legal hold")
        if kind not in set(HoldKind):
            raise InputError(
                f"unknown hold kind {kind!r}", field="kind", hint=f"one of: {', '.join(HoldKind)}"
            )
        if not reason.strip() or not owner.strip():
            raise InputError(
                "a hold needs a reason and an owner",
                field="reason" if not reason.strip() else "owner",
            )
        if (record_kind is None) != (record_id is None):
            raise InputError(
                "a record hold needs both the record's kind and its id", field="record_id"
            )
        row = RetentionHoldRow(
            organisation_id=self.organisation,
            hold_id=str(uuid.uuid4()),
            subject_id=subject,
            record_kind=record_kind,
            record_id=record_id,
            kind=kind,
            reason=reason.strip(),
            owner=owner.strip(),
            placed_by=self.actor.actor,
            placed_at=self.now(),
        )
        with self.store.sessions.begin() as session:
            self._subject(session, subject)
            session.add(row)
            scope = f"{record_kind} {record_id}" if record_kind else "everything held"
            self._record(
                session,
                subject,
                "hold",
                f"legal hold {row.hold_id} ({kind}) placed on {scope}, owner {owner}",
            )
        return _hold(row)

    def lift_hold(self, hold_id: str, reason: str) -> Hold:
        self.require_dpo("lift a legal hold")
        if not reason.strip():
            raise InputError("say why the hold is lifted", field="reason")
        with self.store.sessions.begin() as session:
            row = session.get(RetentionHoldRow, (self.organisation, hold_id))
            if row is None:
                raise NotFound(f"no hold {hold_id}", field="hold_id")
            if row.lifted_at is not None:
                raise Conflict(f"hold {hold_id} was lifted already")
            row.lifted_at, row.lifted_by, row.lift_reason = (
                self.now(),
                self.actor.actor,
                reason.strip(),
            )
            self._record(session, row.subject_id, "lift", f"legal hold {hold_id} lifted")
            return _hold(row)

    def holds(self, *, include_lifted: bool = False) -> list[Hold]:
        """The holds in place (or all), oldest first; the look is audited."""
        self.require_dpo("see the legal holds")
        query = select(RetentionHoldRow).where(
            RetentionHoldRow.organisation_id == self.organisation
        )
        if not include_lifted:
            query = query.where(RetentionHoldRow.lifted_at.is_(None))
        with self.store.sessions.begin() as session:
            self._record(session, None, "search", "legal holds listed")
            rows = session.scalars(
                query.order_by(RetentionHoldRow.placed_at, RetentionHoldRow.hold_id)
            )
            return [_hold(row) for row in rows]

    # -- reviews ---------------------------------------------------------------------------

    def reviews(self, *, open_only: bool = True) -> list[Review]:
        """The reviews waiting (or all), oldest due first; the look is audited."""
        self.require_dpo("see the retention reviews")
        query = select(RetentionReviewRow).where(
            RetentionReviewRow.organisation_id == self.organisation
        )
        if open_only:
            query = query.where(RetentionReviewRow.decided_at.is_(None))
        with self.store.sessions.begin() as session:
            self._record(session, None, "search", "retention reviews listed")
            rows = session.scalars(
                query.order_by(RetentionReviewRow.due, RetentionReviewRow.review_id)
            )
            return [_review(row) for row in rows]

    def decide(
        self, review_id: str, decision: str, reason: str, keep_until: date | None = None
    ) -> Review:
        """The DPO signs a review off: keep until a later day (reviewed again then), or dispose
        (the next sweep disposes of it, with a certificate)."""
        self.require_dpo("sign off a retention review")
        if decision not in set(ReviewDecision):
            raise InputError(
                f"unknown decision {decision!r}", field="decision", hint="keep or dispose"
            )
        if not reason.strip():
            raise InputError("a decision needs its reason", field="reason")
        if decision == ReviewDecision.KEEP and (keep_until is None or keep_until <= self.today()):
            raise InputError("keeping needs a later day to review it again", field="keep_until")
        with self.store.sessions.begin() as session:
            row = session.get(RetentionReviewRow, (self.organisation, review_id))
            if row is None:
                raise NotFound(f"no review {review_id}", field="review_id")
            if row.decided_at is not None:
                raise Conflict(f"review {review_id} was decided already ({row.decision})")
            row.decision, row.reason, row.decided_by, row.decided_at = (
                decision,
                reason.strip(),
                self.actor.actor,
                self.now(),
            )
            row.keep_until = keep_until if decision == ReviewDecision.KEEP else None
            self._record(
                session,
                row.subject_id,
                "review",
                f"retention review {review_id} under {row.rule}: {decision}"
                + (f" until {keep_until}" if keep_until else ""),
            )
            return _review(row)

    # -- trigger facts ---------------------------------------------------------------------

    def record_facts(
        self,
        subject: str,
        *,
        born: date | None = None,
        died: date | None = None,
        end_of_treatment: date | None = None,
    ) -> None:
        """Record the dates retention runs from. A date of birth is kept in the clear only for
        someone under 18 on the day it is recorded (the children's rule needs it)."""
        today = self.today()
        for name, day in (("born", born), ("died", died), ("end_of_treatment", end_of_treatment)):
            if day is not None and day > today:
                raise InputError(f"{name.replace('_', ' ')} {day} is in the future", field=name)
        if born is not None and died is not None and died < born:
            raise InputError("the date of death is before the date of birth", field="died")
        with self.store.sessions.begin() as session:
            self._subject(session, subject)
            if born is not None:
                keep_child_birth_date(
                    session, self.organisation, subject, born, self.now(), self.actor.actor
                )
            row = session.get(RetentionFactRow, (self.organisation, subject))
            if row is None:
                row = RetentionFactRow(
                    organisation_id=self.organisation,
                    subject_id=subject,
                    updated_at=self.now(),
                    updated_by=self.actor.actor,
                )
                session.add(row)
            if died is not None:
                row.died_on = died
            if end_of_treatment is not None:
                row.end_of_treatment = end_of_treatment
            row.updated_at, row.updated_by = self.now(), self.actor.actor
            self._record(
                session,
                subject,
                "write",
                "retention facts recorded: "
                + ", ".join(
                    n
                    for n, d in (
                        ("date of birth", born),
                        ("date of death", died),
                        ("end of treatment", end_of_treatment),
                    )
                    if d
                ),
            )

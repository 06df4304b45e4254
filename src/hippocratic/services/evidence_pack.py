"""The evidence pack: for each area the privacy notice makes promises in, what the store holds
to show the promise is kept, as counts and latest dates, every one computed from the store (and
the policy it enforces) when the pack is made, nothing typed in.

- the audit chain, verified now (``audit.verify_store``) to event N, against the latest signed
  checkpoint and what the witnesses outside the database hold (Art. 5(2), 32);
- rights requests: open, overdue, due within a week, closed by outcome (Art. 12(3));
- incidents, each with the decision in force and when the ICO was told (Art. 33(5));
- disclosures logged, by recipient (Art. 15(1)(c), 30(1)(d));
- Art. 19 notices to recipients pending and sent;
- processors: their Art. 28 agreements, review dates and security assurances;
- high-risk purposes and their DPIA references (Art. 35);
- DPO reviews: break-glass uses and Art. 14 notices, open and done.

DPO only, audited like the dashboard. The pack holds no patient's details: ids and counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.services import oversight
from hippocratic.services.audit import VerifyResult, verify_store
from hippocratic.services.clinic_service import refusal
from hippocratic.services.dpo_dashboard import DpoDashboards
from hippocratic.services.processor_terms import ProcessorItem
from hippocratic.services.rights_clock import WARN_DAYS
from hippocratic.services.rights_request import RequestStatus
from hippocratic.storage.care import ReviewItemRow
from hippocratic.storage.collection import Art14TaskRow
from hippocratic.storage.disclosure import Art19NoticeRow, DisclosureRow
from hippocratic.storage.incident import IncidentRow
from hippocratic.storage.ledger import AuditCheckpointRow, AuditEventRow
from hippocratic.storage.rights_request import RightsRequestRow


@dataclass(frozen=True)
class AuditEvidence:
    verified: bool
    verified_to: int
    """Events verified intact (all of them when ``verified``)."""
    first_bad_seq: int | None
    problem: str | None
    signed_to: int
    witnessed_to: int
    """The newest checkpoint a witness outside the database holds."""
    last_checkpoint_seq: int | None
    last_checkpoint_at: datetime | None
    latest_event_at: str | None


@dataclass(frozen=True)
class RightsEvidence:
    open: int
    overdue: int
    due_within_week: int
    by_status: dict[str, int]
    latest_received: datetime | None
    latest_closed: datetime | None


@dataclass(frozen=True)
class IncidentEvidence:
    incident_id: str
    status: str
    aware_at: datetime
    overdue: bool
    clock: str
    decision: str | None
    """The decision in force: finding, risk and who is told; None before any."""
    decided_at: datetime | None
    reason: str | None
    ico_told_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class RecipientCount:
    recipient: str
    name: str
    count: int
    latest: datetime


@dataclass(frozen=True)
class DisclosureEvidence:
    total: int
    latest: datetime | None
    by_recipient: list[RecipientCount]


@dataclass(frozen=True)
class Art19Evidence:
    pending: int
    sent: int
    oldest_pending: datetime | None
    latest_sent: datetime | None


@dataclass(frozen=True)
class DpiaEvidence:
    purpose: str
    title: str
    dpia: str | None
    """The assessment's reference; None is a gap the pack shows."""


@dataclass(frozen=True)
class ReviewEvidence:
    break_glass_pending: int
    break_glass_reviewed: int
    latest_break_glass: datetime | None
    art14_open: int
    art14_overdue: int
    art14_done: int


@dataclass(frozen=True)
class EvidencePack:
    organisation: str
    organisation_name: str
    made_at: datetime
    policy_version: str
    audit: AuditEvidence
    rights: RightsEvidence
    incidents: list[IncidentEvidence]
    disclosures: DisclosureEvidence
    art19: Art19Evidence
    processors: list[ProcessorItem]
    dpias: list[DpiaEvidence]
    reviews: ReviewEvidence


class EvidencePacks(DpoDashboards):
    def pack(self) -> EvidencePack:
        """The pack as the store stands now (DPO only; audited before the chain is verified,
        so the verified count includes the look)."""
        with self.store.sessions.begin() as session:
            decision = oversight.check(self, session, "the evidence pack")
        if not decision.allowed:
            raise refusal(decision)
        (result,) = verify_store(self.store, self.organisation)
        with self.store.sessions() as session:
            return EvidencePack(
                self.organisation,
                self.policy.organisation.display_name,
                self.now(),
                self.policy.notice.version,
                self._audit(session, result),
                self._rights_evidence(session),
                self._incident_evidence(session),
                self._disclosures(session),
                self._art19(session),
                self.processors(None),
                [
                    DpiaEvidence(p.key, p.title, p.dpia)
                    for p in self.policy.purposes
                    if p.high_risk or p.dpia
                ],
                self._reviews(session),
            )

    def _audit(self, session: Session, result: VerifyResult) -> AuditEvidence:
        last = session.execute(
            select(AuditCheckpointRow.seq, AuditCheckpointRow.signed_at)
            .where(AuditCheckpointRow.organisation_id == self.organisation)
            .order_by(AuditCheckpointRow.seq.desc())
            .limit(1)
        ).first()
        latest = session.scalar(
            select(func.max(AuditEventRow.at)).where(
                AuditEventRow.organisation_id == self.organisation
            )
        )
        return AuditEvidence(
            result.ok,
            result.count,
            result.first_bad_seq,
            result.problem,
            result.signed_to,
            result.witnessed_to,
            int(last[0]) if last else None,
            last[1] if last else None,
            str(latest) if latest else None,
        )

    def _rights_evidence(self, session: Session) -> RightsEvidence:
        open_items = self._rights(session)
        by_status = {
            str(status): int(n)
            for status, n in session.execute(
                select(RightsRequestRow.status, func.count())
                .where(RightsRequestRow.organisation_id == self.organisation)
                .group_by(RightsRequestRow.status)
            )
        }
        received, closed = session.execute(
            select(
                func.max(RightsRequestRow.received_at), func.max(RightsRequestRow.closed_at)
            ).where(RightsRequestRow.organisation_id == self.organisation)
        ).one()
        return RightsEvidence(
            len(open_items),
            sum(1 for i in open_items if i.overdue),
            sum(1 for i in open_items if 0 <= i.days_left <= WARN_DAYS),
            {s.value: by_status.get(s.value, 0) for s in RequestStatus},
            received,
            closed,
        )

    def _incident_evidence(self, session: Session) -> list[IncidentEvidence]:
        rows = list(
            session.scalars(
                select(IncidentRow)
                .where(IncidentRow.organisation_id == self.organisation)
                .order_by(IncidentRow.aware_at)
            )
        )
        latest, sent = self.incident_facts(session, [row.incident_id for row in rows])
        found = []
        for row in rows:
            decided = latest.get(row.incident_id)
            told = sent.get(row.incident_id)
            clock = self.clock_of(row, decided, told)
            summary = None
            if decided is not None:
                who = [
                    w
                    for w, yes in (
                        ("ICO", decided.notify_ico),
                        ("patients", decided.notify_subjects),
                    )
                    if yes
                ]
                summary = (
                    f"decision {decided.number}: {decided.breach} breach, "
                    f"{decided.assessment}; told: {', '.join(who) or 'nobody'}"
                )
            found.append(
                IncidentEvidence(
                    row.incident_id,
                    row.status,
                    row.aware_at,
                    clock.overdue,
                    clock.shown,
                    summary,
                    decided.decided_at if decided else None,
                    decided.reason if decided else None,
                    told,
                    row.closed_at,
                )
            )
        return found

    def _disclosures(self, session: Session) -> DisclosureEvidence:
        rows = session.execute(
            select(DisclosureRow.recipient, func.count(), func.max(DisclosureRow.at))
            .where(DisclosureRow.organisation_id == self.organisation)
            .group_by(DisclosureRow.recipient)
        ).all()
        names = self.policy.recipient_by_key
        counts = sorted(
            (
                RecipientCount(str(key), names[key].name if key in names else str(key), int(n), at)
                for key, n, at in rows
            ),
            key=lambda c: (-c.count, c.recipient),
        )
        return DisclosureEvidence(
            sum(c.count for c in counts), max((c.latest for c in counts), default=None), counts
        )

    def _art19(self, session: Session) -> Art19Evidence:
        pending = Art19NoticeRow.sent_at.is_(None)
        row = session.execute(
            select(
                func.count().filter(pending),
                func.count().filter(~pending),
                func.min(Art19NoticeRow.created_at).filter(pending),
                func.max(Art19NoticeRow.sent_at),
            ).where(Art19NoticeRow.organisation_id == self.organisation)
        ).one()
        return Art19Evidence(int(row[0]), int(row[1]), row[2], row[3])

    def _reviews(self, session: Session) -> ReviewEvidence:
        unresolved = ReviewItemRow.resolved_at.is_(None)
        glass = session.execute(
            select(
                func.count().filter(unresolved),
                func.count().filter(~unresolved),
                func.max(ReviewItemRow.created_at),
            ).where(
                ReviewItemRow.organisation_id == self.organisation,
                ReviewItemRow.kind == "break_glass",
            )
        ).one()
        today: date = self.today()
        undone = Art14TaskRow.done_at.is_(None)
        art14 = session.execute(
            select(
                func.count().filter(undone),
                func.count().filter(undone & (Art14TaskRow.due_on < today)),
                func.count().filter(~undone),
            ).where(Art14TaskRow.organisation_id == self.organisation)
        ).one()
        return ReviewEvidence(
            int(glass[0]), int(glass[1]), glass[2], int(art14[0]), int(art14[1]), int(art14[2])
        )

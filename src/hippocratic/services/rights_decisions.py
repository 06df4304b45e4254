"""What staff do with a rights request once it is in: verify identity, pause the clock for
information, extend it, charge a fee or refuse, and close the request.

Recording identity evidence and asking for information are for any member of staff who handles
requests; extending, charging, refusing and completing are the DPO's decisions (the policy's
``dpo`` role), each with its reason recorded. A fee or a refusal needs the request to be
manifestly unfounded or excessive (Art. 12(5)), and only where the policy allows a fee; the
letter states the right to complain to the ICO. Each decision is a guard decision and an audit
event, and a step on the request's log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.guard.decision import SELF_ROLE, Action
from hippocratic.policy.settings import FeeRule
from hippocratic.services.rights_clock import LONDON, day_of, deadline_of
from hippocratic.services.rights_request import (
    EVIDENCE,
    EXTENSION,
    OUTCOME,
    RequestStatus,
    RightsRequest,
    StepStatus,
)
from hippocratic.services.rights_requests import RightsRequests
from hippocratic.storage.rights_request import RightsPauseRow, RightsRequestRow


class RefusalGround(StrEnum):
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    MANIFESTLY_EXCESSIVE = "manifestly_excessive"
    """Art. 12(5): repetitive, or disproportionate to what it asks for."""


class RightsDecisions(RightsRequests):
    def verify_identity(
        self, request_id: str, evidence: str, received_on: date | None = None
    ) -> RightsRequest:
        """Record the proof of identity (and authority) seen: the clock starts on the day it
        arrived (``received_on``, today if not given)."""
        seen = text(evidence, "evidence")
        if not seen:
            raise InputError("say what proof of identity was seen", field="evidence")

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.identity_verified_at is not None:
                raise Conflict("identity was already verified for this request")
            arrived = received_on or self.today()
            if arrived < day_of(row.received_at) or arrived > self.today():
                raise InputError(
                    "the evidence arrives between the request and today", field="received_on"
                )
            row.identity_verified_at = (
                self.now()
                if arrived == self.today()
                else max(datetime.combine(arrived, time(12), LONDON), row.received_at)
            )
            row.identity_verified_by = self.actor.actor
            row.identity_evidence = self.seal(row.subject_id, EVIDENCE, request_id, seen)
            return f"identity verified; evidence received {arrived.isoformat()}"

        return self._change(request_id, "identity", change)

    def pause(self, request_id: str, asked: str) -> RightsRequest:
        """Stop the clock while we wait for information or clarification we asked for."""
        what = text(asked, "asked", max_length=200)
        if not what:
            raise InputError("say what was asked for", field="asked")

        def change(session: Session, row: RightsRequestRow) -> str:
            if self._waiting_to_start(row):
                raise Conflict(
                    "the clock has not started (identity or fee awaited): nothing to pause"
                )
            if self._open_pause(session, row) is not None:
                raise Conflict("the clock is already paused")
            session.add(
                RightsPauseRow(
                    organisation_id=self.organisation,
                    request_id=request_id,
                    pause_id=str(uuid.uuid4()),
                    started_on=self.today(),
                    asked=what,
                    by=self.actor.actor,
                )
            )
            return f"clock paused: waiting for {what}"

        return self._change(request_id, "pause", change)

    def resume(self, request_id: str) -> RightsRequest:
        """The information arrived: the clock runs on (both boundary days paused)."""

        def change(session: Session, row: RightsRequestRow) -> str:
            pause = self._open_pause(session, row)
            if pause is None:
                raise Conflict("the clock is not paused")
            pause.ended_on = self.today()
            return f"clock running again: {pause.asked} received"

        return self._change(request_id, "resume", change)

    def extend(self, request_id: str, reason: str) -> RightsRequest:
        """Extend by two further months for a complex or numerous request; the requester must
        be told, with reasons, within the first month (the extension letter)."""
        self._dpo("extend a request")
        why = text(reason, "reason")
        if not why:
            raise InputError("say why the request is complex or numerous", field="reason")
        if not self.policy.rights.extension_allowed:
            raise InputError("this organisation's policy does not extend requests", field="reason")

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.extended_at is not None:
                raise Conflict("this request is already extended")
            trial = deadline_of(row, self._pauses(session, row), self.today(), extended=True)
            notice_by = trial.extension_notice_by
            if notice_by is not None and self.today() > notice_by:
                raise Conflict(
                    f"too late to extend: the requester had to be told by {notice_by.isoformat()} "
                    "(the end of the first month)"
                )
            row.extended_at = self.now()
            row.extension_reason = self.seal(row.subject_id, EXTENSION, request_id, why)
            return "extended by two months for a complex or numerous request"

        return self._change(request_id, "extend", change)

    def charge_fee(
        self, request_id: str, pence: int, ground: RefusalGround, reason: str
    ) -> RightsRequest:
        """Ask a reasonable fee for a manifestly unfounded or excessive request: the clock
        starts when it is paid."""
        self._dpo("charge a fee")
        if self.policy.rights.fee is FeeRule.FREE:
            raise InputError(
                "this organisation's notice says requests are free: no fee can be charged",
                field="fee",
            )
        if pence <= 0:
            raise InputError("a fee is a positive amount", field="fee")
        why = self._justified(reason)

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.fee_pence is not None:
                raise Conflict("a fee was already asked for")
            row.fee_pence = pence
            row.outcome = self.seal(row.subject_id, OUTCOME, request_id, why)
            return f"fee of £{pence / 100:.2f} asked: {ground.value.replace('_', ' ')}"

        return self._change(request_id, "fee", change)

    def fee_paid(self, request_id: str, on: date | None = None) -> RightsRequest:
        def change(session: Session, row: RightsRequestRow) -> str:
            if row.fee_pence is None or row.fee_received_on is not None:
                raise Conflict("no fee is awaited on this request")
            paid = on or self.today()
            if paid < day_of(row.received_at) or paid > self.today():
                raise InputError("the fee is paid between the request and today", field="on")
            row.fee_received_on = paid
            return f"fee received {paid.isoformat()}: the clock starts then"

        return self._change(request_id, "fee_paid", change)

    def refuse(self, request_id: str, ground: RefusalGround, reason: str) -> RightsRequest:
        """Refuse a manifestly unfounded or excessive request, with the reason recorded; the
        reply states the reason and the right to complain to the ICO (Art. 12(4))."""
        self._dpo("refuse a request")
        why = self._justified(reason)

        def change(session: Session, row: RightsRequestRow) -> str:
            self._close(row, RequestStatus.REFUSED, why)
            return f"refused: {ground.value.replace('_', ' ')}"

        return self._change(request_id, "refuse", change)

    def complete(self, request_id: str, outcome: str) -> RightsRequest:
        """Close the request as answered, with what was done."""
        self._dpo("complete a request")
        done = text(outcome, "outcome")
        if not done:
            raise InputError("say what was done", field="outcome")

        def change(session: Session, row: RightsRequestRow) -> str:
            if self._waiting_to_start(row):
                raise Conflict("identity (or the fee) is still awaited: nothing can be answered")
            self._close(row, RequestStatus.COMPLETED, done)
            return "completed"

        return self._change(request_id, "complete", change)

    def withdraw(self, request_id: str) -> RightsRequest:
        """The requester no longer wants it (the patient themselves, or staff on their word)."""

        def change(session: Session, row: RightsRequestRow) -> str:
            self._close(row, RequestStatus.WITHDRAWN, "withdrawn by the requester")
            return "withdrawn by the requester"

        return self._change(request_id, "withdraw", change)

    def _change(
        self,
        request_id: str,
        step: str,
        change: Callable[[Session, RightsRequestRow], str],
        purpose: str | None = None,
    ) -> RightsRequest:
        """Make one change to an open request, as a guard decision under ``purpose`` (the
        rights purpose unless a step is taken in another role's capacity) and a logged step."""
        with self.store.sessions.begin() as session:
            row = self.row(session, request_id)
            if row.status != RequestStatus.OPEN.value:
                raise Conflict(f"this request is {row.status}: nothing more can be done on it")
            if self.actor.role == SELF_ROLE and step != "withdraw":
                raise AccessDenied("a patient may withdraw their request; staff decide the rest")
            action = Action.CREATE if self.actor.role == SELF_ROLE else Action.WRITE
            write = self.request(purpose or self.purpose, row.subject_id, (), action)
            assessment = self.assess(session, write, f"rights request {request_id}: {step}")
            if assessment.decision.allowed:
                log = change(session, row)
                row.due = deadline_of(row, self._pauses(session, row), self.today()).due
                self.step(session, request_id, step, StepStatus.DONE, log)
        self.enforce(assessment, row.subject_id)
        return self.get(request_id, purpose)

    def _close(self, row: RightsRequestRow, status: RequestStatus, outcome: str) -> None:
        row.status = status.value
        row.closed_at = self.now()
        row.closed_by = self.actor.actor
        row.outcome = self.seal(row.subject_id, OUTCOME, row.request_id, outcome)

    def _dpo(self, what: str) -> None:
        self.require_dpo(what)

    def _justified(self, reason: str) -> str:
        why = text(reason, "reason")
        if len(why) < 20:
            raise InputError(
                "a fee or a refusal needs its justification recorded: say why the request is "
                "manifestly unfounded or excessive",
                field="reason",
            )
        return why

    def _waiting_to_start(self, row: RightsRequestRow) -> bool:
        return (row.identity_required and row.identity_verified_at is None) or (
            row.fee_pence is not None and row.fee_received_on is None
        )

    def _pauses(self, session: Session, row: RightsRequestRow) -> list[RightsPauseRow]:
        return list(
            session.scalars(
                select(RightsPauseRow)
                .where(
                    RightsPauseRow.organisation_id == self.organisation,
                    RightsPauseRow.request_id == row.request_id,
                )
                .order_by(RightsPauseRow.started_on)
            )
        )

    def _open_pause(self, session: Session, row: RightsRequestRow) -> RightsPauseRow | None:
        return next((p for p in self._pauses(session, row) if p.ended_on is None), None)

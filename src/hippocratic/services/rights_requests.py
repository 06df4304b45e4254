"""Data-subject rights requests: intake from every channel, the queue, and each request's clock.

A request arrives from the portal (the patient themselves), from staff recording a letter,
email, call or visit, or through the API. Each records its channel, when it was received (a
letter's arrival, a call's time: the clock runs from then, not from when it was typed in) and
who is asking. A request for the same right while one is open is linked to it, not opened
twice. Every step is a guard decision under the policy's rights purpose and an audit event,
and is written to the request's own log, failures included, so nothing stalls unseen.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.domain.rights_deadline import TIMED_RIGHTS
from hippocratic.errors import AccessDenied, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision, self_actor
from hippocratic.guard.representation import REPRESENTATIVE_ROLE
from hippocratic.policy.settings import RightName
from hippocratic.services.field_value import FieldValue
from hippocratic.services.parties import ensure_person
from hippocratic.services.patient_listing import PatientListing
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_clock import (
    WARN_DAYS,
    RequestChannel,
    Requester,
    day_of,
    deadline_of,
    identity_rule,
    waiting_for,
)
from hippocratic.services.rights_request import (
    AUTHORITY,
    DETAIL,
    EXTENSION,
    OUTCOME,
    REQUESTER,
    NewRightsRequest,
    QueueItem,
    RequestStatus,
    RightsRequest,
    Step,
    StepStatus,
    failed_of,
)
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.rights_request import RightsPauseRow, RightsRequestRow, RightsStepRow
from hippocratic.storage.subject import SubjectRow

__all__ = [
    "NewRightsRequest",
    "RequestChannel",
    "RequestStatus",
    "Requester",
    "RightsRequest",
    "RightsRequests",
]


class RightsRequests(PatientListing):
    @property
    def purpose(self) -> str:
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound(
                f"{self.policy.organisation.display_name}'s policy names no purpose for rights "
                "requests (`rights.purpose`)",
                field="rights.purpose",
            )
        return purpose

    def capacity(self) -> str:
        """The purpose this actor handles a request under: the rights purpose, or for a
        clinician asked to decide on it (a child's competence), their care purpose."""
        if self.outside_role(self.purpose) is None:
            return self.purpose
        entries = self.policy.records.clinical_entry
        role = self.compiled.roles.get(self.actor.role)
        if entries is not None and role is not None and role.care_relationship_required:
            return entries.purpose
        return self.purpose

    def submit(self, new: NewRightsRequest) -> RightsRequest:
        """Take a request in: checked, timed, linked to an open one for the same right."""
        self._check(new)
        now = self.now()
        received = new.received_at or now
        rule = identity_rule(self.policy, new.right, new.channel, new.requester)
        request_id = str(uuid.uuid4())
        note = f"{new.right.value} request received by {new.channel.value}"
        request = self.request(self.purpose, new.subject, (), Action.CREATE)
        subject = new.subject
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, note)
            if assessment.decision.allowed and assessment.facts.known:
                open_one = self._open_for(session, subject, new.right)
                row = RightsRequestRow(
                    organisation_id=self.organisation,
                    request_id=request_id,
                    subject_id=subject,
                    right=new.right.value,
                    channel=new.channel.value,
                    received_at=received,
                    recorded_by=self.actor.actor,
                    requester=new.requester.value,
                    requester_name=self._sealed(subject, REQUESTER, request_id, new.requester_name),
                    authority=self._sealed(subject, AUTHORITY, request_id, new.authority),
                    detail=self._sealed(subject, DETAIL, request_id, new.detail),
                    status=(RequestStatus.LINKED if open_one else RequestStatus.OPEN).value,
                    duplicate_of=open_one.request_id if open_one else None,
                    identity_required=rule.required,
                    identity_rule=rule.why,
                    recipient="subject" if new.requester is Requester.SELF else "requester",
                    scope_from=new.scope_from,
                    scope_to=new.scope_to,
                    due=day_of(received),
                )
                if new.channel is RequestChannel.PORTAL:
                    row.identity_verified_at = received
                    row.identity_verified_by = self.actor.actor
                row.due = deadline_of(row, [], self.today()).due
                session.add(row)
                log = f"received by {new.channel.value} from the {new.requester.value}"
                if open_one is not None:
                    log += f"; a repeat of open request {open_one.request_id}: linked to it"
                self.step(session, request_id, "received", StepStatus.DONE, log)
        self.enforce(assessment, subject)
        return self.get(request_id)

    def _check(self, new: NewRightsRequest) -> None:
        with self.store.sessions() as session:
            ensure_person(session, self.organisation, new.subject)
        offered = self.policy.rights.offered
        if new.right not in offered or new.right not in TIMED_RIGHTS:
            elsewhere = {
                RightName.WITHDRAW_CONSENT: "withdraw a consent from the patient's consents",
                RightName.COMPLAIN: "record a complaint as a case",
            }
            raise InputError(
                f"`{new.right.value}` is not a request this organisation takes here",
                field="right",
                hint=elsewhere.get(
                    new.right,
                    "offered: " + ", ".join(r.value for r in offered if r in TIMED_RIGHTS),
                ),
            )
        patient = self.actor.role == SELF_ROLE
        if self.actor.role == REPRESENTATIVE_ROLE:  # only as far as the authority allows
            Representatives(self.store, self.actor).check_request(new)
        elif patient and (
            new.channel is not RequestChannel.PORTAL
            or new.requester is not Requester.SELF
            or self.actor.actor != self_actor(new.subject)
            or new.received_at is not None
        ):
            raise AccessDenied("a patient makes requests about themselves, through the portal")
        portal = new.channel is RequestChannel.PORTAL
        if not patient and self.actor.role != REPRESENTATIVE_ROLE and portal:
            raise InputError(
                "only the patient makes a request through the portal; record the channel "
                "it reached you by",
                field="channel",
            )
        if new.received_at is not None and new.received_at > self.now():
            raise InputError("a request cannot be received in the future", field="received_at")
        if new.requester is not Requester.SELF and not (
            (new.requester_name or "").strip() and (new.authority or "").strip()
        ):
            raise InputError(
                f"a {new.requester.value} acting for the patient: record who they are and the "
                "evidence of their authority",
                field="authority",
            )
        if new.scope_from and new.scope_to and new.scope_from > new.scope_to:
            raise InputError("the date range ends before it starts", field="scope_to")

    def _sealed(self, subject: str, binding: str, request_id: str, value: str | None) -> bytes:
        cleaned = text(value or "", binding.removeprefix("rights_"))
        return self.seal(subject, binding, request_id, cleaned) if cleaned else b""

    def _open_for(
        self, session: Session, subject: str, right: RightName
    ) -> RightsRequestRow | None:
        return session.scalars(
            select(RightsRequestRow)
            .where(
                RightsRequestRow.organisation_id == self.organisation,
                RightsRequestRow.subject_id == subject,
                RightsRequestRow.right == right.value,
                RightsRequestRow.status == RequestStatus.OPEN.value,
            )
            .limit(1)
        ).first()

    def step(
        self, session: Session, request_id: str, name: str, status: StepStatus, log: str
    ) -> None:
        """Write one step of a request to its log, in the caller's transaction."""
        steps = select(func.count()).where(
            RightsStepRow.organisation_id == self.organisation,
            RightsStepRow.request_id == request_id,
        )
        session.add(
            RightsStepRow(
                organisation_id=self.organisation,
                step_id=str(uuid.uuid4()),
                request_id=request_id,
                number=(session.scalar(steps) or 0) + 1,
                name=name,
                status=status.value,
                at=self.now(),
                actor=self.actor.actor,
                log=log,
            )
        )

    def row(self, session: Session, request_id: str) -> RightsRequestRow:
        row = session.get(RightsRequestRow, (self.organisation, request_id))
        if row is None or (
            self.actor.role == SELF_ROLE and self.actor.actor != self_actor(row.subject_id)
        ):
            raise NotFound(f"no rights request {request_id} here", field="request_id")
        return row

    def get(self, request_id: str, purpose: str | None = None) -> RightsRequest:
        """One request with its clock and log: an audited read of the patient's request."""
        with self.store.sessions.begin() as session:
            row = self.row(session, request_id)
            read = self.request(purpose or self.purpose, row.subject_id, (), Action.READ)
            assessment = self.assess(session, read, f"rights request {request_id}")
            pauses, steps = self._details(session, [request_id])
        self.enforce(assessment, row.subject_id)
        return self.shown(row, assessment.decision, pauses, steps)

    def for_patient(self, subject: str) -> list[RightsRequest]:
        """Every request of one patient, newest first, in one audited read."""
        read = self.request(self.purpose, subject, (), Action.READ)
        rows: list[RightsRequestRow] = []
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, read, "rights requests")
            if assessment.decision.allowed and assessment.facts.known:
                rows = list(
                    session.scalars(
                        select(RightsRequestRow)
                        .where(
                            RightsRequestRow.organisation_id == self.organisation,
                            RightsRequestRow.subject_id == subject,
                        )
                        .order_by(RightsRequestRow.received_at.desc())
                    )
                )
            pauses, steps = self._details(session, [row.request_id for row in rows])
        self.enforce(assessment, subject)
        return [self.shown(row, assessment.decision, pauses, steps) for row in rows]

    def queue(self, *, limit: int = 200) -> list[QueueItem]:
        """The DPO's queue: every open request, soonest due first, of the patients this actor
        may see (scoped inside the database); each patient listed is audited."""

        def fetch(session: Session, visible: ColumnElement[bool]) -> list[RightsRequestRow]:
            return list(
                session.scalars(
                    select(RightsRequestRow)
                    .join(
                        SubjectRow,
                        (SubjectRow.organisation_id == RightsRequestRow.organisation_id)
                        & (SubjectRow.subject_id == RightsRequestRow.subject_id),
                    )
                    .where(
                        RightsRequestRow.organisation_id == self.organisation,
                        RightsRequestRow.status == RequestStatus.OPEN.value,
                        visible,
                    )
                    .order_by(RightsRequestRow.due, RightsRequestRow.received_at)
                    .limit(limit + 1)
                )
            )

        listed = self.listed(
            self.purpose, [], fetch, lambda row: row.subject_id, limit, "rights requests queue"
        )
        with self.store.sessions.begin() as session:
            pauses, steps = self._details(session, [row.request_id for row in listed.rows])
        return [
            QueueItem(
                self.shown(row, listed.decision, pauses, steps),
                self.names_of(listed, row.subject_id),
            )
            for row in listed.rows[:limit]
        ]

    def _details(
        self, session: Session, ids: list[str]
    ) -> tuple[dict[str, list[RightsPauseRow]], dict[str, list[RightsStepRow]]]:
        pauses: dict[str, list[RightsPauseRow]] = {}
        steps: dict[str, list[RightsStepRow]] = {}
        if not ids:
            return pauses, steps
        for pause in session.scalars(
            select(RightsPauseRow)
            .where(
                RightsPauseRow.organisation_id == self.organisation,
                RightsPauseRow.request_id.in_(ids),
            )
            .order_by(RightsPauseRow.started_on)
        ):
            pauses.setdefault(pause.request_id, []).append(pause)
        for step in session.scalars(
            select(RightsStepRow)
            .where(
                RightsStepRow.organisation_id == self.organisation,
                RightsStepRow.request_id.in_(ids),
            )
            .order_by(RightsStepRow.number, RightsStepRow.at)
        ):
            steps.setdefault(step.request_id, []).append(step)
        return pauses, steps

    def shown(
        self,
        row: RightsRequestRow,
        decision: Decision,
        pauses: dict[str, list[RightsPauseRow]],
        steps: dict[str, list[RightsStepRow]],
    ) -> RightsRequest:
        rid, subject = row.request_id, row.subject_id
        key = self.key(subject)
        own_pauses = pauses.get(rid, [])
        today = self.today()
        deadline = deadline_of(row, own_pauses, today)
        status = RequestStatus(row.status)
        shown_steps = tuple(
            Step(s.name, StepStatus(s.status), s.at, s.actor, s.log) for s in steps.get(rid, [])
        )
        days_left = (deadline.due - today).days
        is_open = status is RequestStatus.OPEN
        return RightsRequest(
            request_id=rid,
            subject_id=subject,
            right=RightName(row.right),
            channel=RequestChannel(row.channel),
            status=status,
            received_at=row.received_at,
            recorded_by=row.recorded_by,
            requester=Requester(row.requester),
            requester_name=self._opened(decision, key, subject, REQUESTER, rid, row.requester_name),
            detail=self._opened(decision, key, subject, DETAIL, rid, row.detail),
            duplicate_of=row.duplicate_of,
            identity_required=row.identity_required,
            identity_rule=row.identity_rule,
            identity_verified_at=row.identity_verified_at,
            fee_pence=row.fee_pence,
            extended=row.extended_at is not None,
            scope_from=row.scope_from,
            scope_to=row.scope_to,
            waiting_for=waiting_for(row, own_pauses) if status is RequestStatus.OPEN else None,
            deadline=deadline,
            days_left=days_left,
            steps=shown_steps,
            closed_at=row.closed_at,
            outcome=self._opened(decision, key, subject, OUTCOME, rid, row.outcome),
            extension_reason=self._opened(
                decision, key, subject, EXTENSION, rid, row.extension_reason
            ),
            due=deadline.due,
            overdue=is_open and days_left < 0,
            warning=is_open and days_left <= WARN_DAYS,
            failed_step=failed_of(shown_steps) if is_open else None,
        )

    def _opened(
        self,
        decision: Decision,
        key: SubjectKey | None,
        subject: str,
        binding: str,
        rid: str,
        blob: bytes | None,
    ) -> FieldValue | None:
        return self.reveal(decision, key, subject, binding, rid, blob) if blob else None

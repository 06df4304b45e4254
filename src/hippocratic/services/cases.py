"""Enquiries and complaints as cases, each with the dates the law sets for it.

A complaint about how we use personal data must be acknowledged within 30 days of receipt
(DPA 2018 s.164A, from 19 June 2026; ``domain.complaint_deadline``); the date is fixed when
the complaint arrives and shown until it is met. An enquiry has no statutory clock. An
enquiry from someone new is a capture (its form's notice, S0-06, S0-16): the enquirer becomes a
data subject with the form's fields, and the enquiry is the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hippocratic.domain.complaint_deadline import complaint_deadline
from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.record_binding import CaseBinding
from hippocratic.services import form_consent
from hippocratic.services.capture import Capture, Channel, check
from hippocratic.services.field_input import clean_values
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Cursor, Page, limit_of
from hippocratic.services.patient_listing import PatientListing
from hippocratic.services.records import Records
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import CaseRow
from hippocratic.storage.clinic_repository import after
from hippocratic.storage.repository import PatientRepository
from hippocratic.storage.subject import SubjectRow


class CaseKind(StrEnum):
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"


class CaseStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


@dataclass(frozen=True)
class Case:
    case_id: str
    subject_id: str
    kind: CaseKind
    text: FieldValue | None
    channel: Channel
    status: CaseStatus
    received_at: datetime
    received_by: str
    acknowledge_by: date | None
    acknowledge_rule: str | None
    """Why that date: the law that sets it."""
    acknowledged_at: datetime | None
    closed_at: datetime | None
    outcome: FieldValue | None
    overdue: bool


@dataclass(frozen=True)
class NewCase:
    kind: CaseKind
    text: str
    channel: Channel
    capture: Capture | None = None
    subject: str | None = None
    person: Mapping[str, object] | None = None


@dataclass(frozen=True)
class CaseItem:
    case: Case
    patient: dict[str, FieldValue]


class Cases(PatientListing):
    def open(self, new: NewCase, request_id: str | None = None) -> Case:
        binding: CaseBinding = self.binding(new.kind.value)
        if (new.subject is None) == (new.person is None):
            raise InputError(
                "open a case for someone on record (subject) or someone new (person), not both",
                field="subject",
            )
        if new.person is not None and binding.form is None:
            raise InputError(
                f"a {new.kind.value} from someone new comes through a form with its notice; "
                "none is set for it, so find or register the person first",
                field="person",
            )
        body = text(new.text, "text")
        if not body and self.policy.field_by_key[binding.text_field].required:
            raise InputError(f"say what the {new.kind.value} is about", field="text")
        given, marketing = form_consent.split(self.policy, new.person or {})
        personal = clean_values(self.policy, given, self.today())
        records = Records(self.store, self.actor)
        indexes = records.indexes(personal)
        subject = new.subject or str(uuid.uuid4())
        fields = [*personal, binding.text_field]
        request = self.request(binding.purpose, subject, fields, Action.CREATE, request_id)
        case_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            presentation = None
            if binding.form is not None and (new.person is not None or new.capture is not None):
                on_record = PatientRepository(session, self.organisation).present(subject)
                text_fields = [binding.text_field] if body else []
                presentation = check(
                    self.policy,
                    new.capture,
                    [*personal, *text_fields],
                    on_record=on_record,
                    forms=[binding.form],
                )
            guard = self.guard(session)
            note = presentation.audit_note if presentation else f"{new.kind.value} received"
            assessment = guard.assess(request, note)
            known = assessment.facts.known or new.subject is None
            if assessment.decision.allowed and known:
                now = self.now()
                if new.subject is None:
                    records.create_subject(session, guard, subject, personal, indexes, None)
                if presentation is not None:
                    session.add(presentation.row(self.organisation, self.actor.actor, subject, now))
                due = (
                    complaint_deadline(self.today()).due if new.kind is CaseKind.COMPLAINT else None
                )
                row = CaseRow(
                    organisation_id=self.organisation,
                    case_id=case_id,
                    subject_id=subject,
                    kind=new.kind.value,
                    text=self.seal(subject, binding.text_field, case_id, body) if body else None,
                    channel=new.channel.value,
                    status=CaseStatus.OPEN.value,
                    received_at=now,
                    received_by=self.actor.actor,
                    acknowledge_by=due,
                    presentation_id=presentation.presentation_id if presentation else None,
                )
                session.add(row)
        self.enforce(assessment, new.subject)
        if new.capture is not None:
            form_consent.record(self.store, self.actor, subject, new.capture, marketing)
        return self._shown(row, assessment.decision, self.key(subject))

    def _shown(self, row: CaseRow, decision: Decision, key: SubjectKey | None) -> Case:
        binding: CaseBinding = self.binding(row.kind)
        subject, cid = row.subject_id, row.case_id
        kind = CaseKind(row.kind)
        return Case(
            cid,
            subject,
            kind,
            self.reveal(decision, key, subject, binding.text_field, cid, row.text),
            Channel(row.channel),
            CaseStatus(row.status),
            row.received_at,
            row.received_by,
            row.acknowledge_by,
            "DPA 2018 s.164A(2): acknowledge within 30 days of receipt"
            if row.acknowledge_by
            else None,
            row.acknowledged_at,
            row.closed_at,
            self.reveal(decision, key, subject, binding.text_field, f"{cid}/outcome", row.outcome),
            row.acknowledge_by is not None
            and row.acknowledged_at is None
            and row.acknowledge_by < self.today(),
        )

    def for_patient(self, subject: str, kind: CaseKind, purpose: str | None = None) -> Page[Case]:
        binding: CaseBinding = self.binding(kind.value)
        page = self.patient_page(
            subject,
            purpose or binding.purpose,
            [binding.text_field],
            CaseRow,
            (CaseRow.received_at, CaseRow.case_id),
            self._shown,
            limit=200,
        )
        return Page([case for case in page.items if case.kind is kind], page.next)

    def progress(
        self, subject: str, case_id: str, *, close: bool = False, outcome: str | None = None
    ) -> Case:
        """Acknowledge the case (meeting its date), or close it with its outcome."""
        with self.store.sessions.begin() as session:
            row = session.get(CaseRow, (self.organisation, case_id))
            if row is None or row.subject_id != subject:
                raise NotFound(f"no case {case_id} for this patient", field="id")
            if row.status == CaseStatus.CLOSED.value:
                raise InputError("this case is closed", field="status")
            binding: CaseBinding = self.binding(row.kind)
            result = text(outcome or "", "outcome")
            if close and not result:
                raise InputError("say how the case ended", field="outcome")
            request = self.request(binding.purpose, subject, [binding.text_field], Action.WRITE)
            verb = "closed" if close else "acknowledged"
            assessment = self.assess(session, request, f"{row.kind} {verb}")
            if assessment.decision.allowed:
                now = self.now()
                if row.acknowledged_at is None:
                    row.acknowledged_at = now
                row.status = (CaseStatus.CLOSED if close else CaseStatus.ACKNOWLEDGED).value
                if close:
                    row.closed_at = now
                    row.outcome = self.seal(
                        subject, binding.text_field, f"{case_id}/outcome", result
                    )
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

    def open_cases(
        self, kind: CaseKind, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[CaseItem]:
        """Cases of ``kind`` not yet closed, oldest first, of the patients this actor may
        see; each patient on the page is audited (a ``PatientListing``)."""
        binding: CaseBinding = self.binding(kind.value)
        size = limit_of(limit)
        position = Cursor.decode(cursor)
        resume = (position.at, position.id) if position else None

        def fetch(session: Session, visible: ColumnElement[bool]) -> list[CaseRow]:
            query = (
                select(CaseRow)
                .join(
                    SubjectRow,
                    (SubjectRow.organisation_id == CaseRow.organisation_id)
                    & (SubjectRow.subject_id == CaseRow.subject_id),
                )
                .where(
                    CaseRow.organisation_id == self.organisation,
                    CaseRow.kind == kind.value,
                    CaseRow.status != CaseStatus.CLOSED.value,
                    visible,
                )
            )
            query = after(query, CaseRow.received_at, CaseRow.case_id, resume)
            return list(session.scalars(query.limit(size + 1)))

        listed = self.listed(
            binding.purpose,
            [binding.text_field],
            fetch,
            lambda row: row.subject_id,
            size,
            f"open {kind.value} cases",
        )
        items = [
            CaseItem(
                self._shown(row, listed.decision, self.key(row.subject_id)),
                self.names_of(listed, row.subject_id),
            )
            for row in listed.rows[:size]
        ]
        last = listed.rows[size - 1] if len(listed.rows) > size else None
        return Page(items, Cursor(last.received_at, last.case_id).encode() if last else None)

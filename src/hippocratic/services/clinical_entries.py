"""Clinical entries: medical history, scan reports, image metadata, obstetric reports (S0-125).

Only clinical roles in a care relationship with the patient (or under break-glass) read them
in full; the guard masks them for everyone else. What the organisation generates (a report)
is authored (``Action.AUTHOR``): only staff who may read the field in full may write it. What
the patient tells us (their history) may be captured by whoever takes it down. An entry is
never overwritten: an amendment is a new entry that supersedes the old one, and both stay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.category import Source
from hippocratic.policy.record_binding import ClinicalEntryBinding
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow


@dataclass(frozen=True)
class ClinicalEntry:
    entry_id: str
    subject_id: str
    field: str
    title: str
    content: FieldValue
    appointment_id: str | None
    author: str
    created_at: datetime
    supersedes: str | None


class ClinicalEntries(ClinicService):
    def add(
        self,
        subject: str,
        field: str,
        content: str,
        *,
        appointment_id: str | None = None,
        supersedes: str | None = None,
        request_id: str | None = None,
    ) -> ClinicalEntry:
        binding: ClinicalEntryBinding = self.binding("clinical_entry")
        if field not in binding.fields:
            raise InputError(
                f"{field!r} is not a kind of clinical entry kept here",
                field="field",
                hint=f"use one of: {', '.join(binding.fields)}",
            )
        body = text(content, "content")
        if not body:
            raise InputError("a clinical entry needs its content", field="content")
        spec = self.policy.field_by_key[field]
        action = Action.AUTHOR if Source.GENERATED in spec.sources else Action.CREATE
        request = self.request(binding.purpose, subject, [field], action, request_id)
        entry_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            if appointment_id is not None:
                booked = session.get(AppointmentRow, (self.organisation, appointment_id))
                if booked is None or booked.subject_id != subject:
                    raise NotFound(
                        f"no appointment {appointment_id} for this patient", field="appointment_id"
                    )
            if supersedes is not None:
                old = session.get(ClinicalEntryRow, (self.organisation, supersedes))
                if old is None or old.subject_id != subject or old.field != field:
                    raise NotFound(
                        f"no {spec.title.lower()} {supersedes} for this patient to amend",
                        field="supersedes",
                    )
            note = f"amends {supersedes}" if supersedes else None
            assessment = self.assess(session, request, note)
            if assessment.decision.allowed and assessment.facts.known:
                row = ClinicalEntryRow(
                    organisation_id=self.organisation,
                    entry_id=entry_id,
                    subject_id=subject,
                    field=field,
                    content=self.seal(subject, field, entry_id, body),
                    appointment_id=appointment_id,
                    author=self.actor.actor,
                    created_at=self.now(),
                    supersedes=supersedes,
                )
                session.add(row)
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

    def _shown(
        self, row: ClinicalEntryRow, decision: Decision, key: SubjectKey | None
    ) -> ClinicalEntry:
        content = self.reveal(decision, key, row.subject_id, row.field, row.entry_id, row.content)
        assert content is not None
        return ClinicalEntry(
            row.entry_id,
            row.subject_id,
            row.field,
            self.compiled.title("field", row.field),
            content,
            row.appointment_id,
            row.author,
            row.created_at,
            row.supersedes,
        )

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[ClinicalEntry]:
        """The patient's clinical entries, newest first; masked where the reader's role does
        not see clinical detail, refused where it needs a care relationship it lacks."""
        binding: ClinicalEntryBinding = self.binding("clinical_entry")
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            binding.fields,
            ClinicalEntryRow,
            (ClinicalEntryRow.created_at, ClinicalEntryRow.entry_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

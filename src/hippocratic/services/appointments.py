"""Appointments: booking a service for a patient with a clinician, its status, and the list
of a patient's appointments. Booking is a capture (the booking form's notice, S0-06) and opens
the clinician's care relationship with the patient until 30 days after the appointment, so
the clinician can report on it; cancelling the last appointment with them ends it. Attending
is a retention fact: the last attended appointment is when the patient was last seen.

The service booked is personal data (for most services it reveals health, D-02), so it is
sealed under the patient's key like every other value of a clinic record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.domain.calendar import add_months, long_date
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.care_relationship import end_care, start_care
from hippocratic.guard.decision import Action, Decision
from hippocratic.guard.guard import Assessment
from hippocratic.policy.record_binding import AppointmentBinding
from hippocratic.services import form_consent
from hippocratic.services.capture import Capture, check
from hippocratic.services.clinic_service import LONDON, ClinicService
from hippocratic.services.field_input import clean_values
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.services.records import ADMINISTRATION, Records
from hippocratic.storage import clinic_repository
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow
from hippocratic.storage.repository import PatientRepository

CARE_FOLLOW_UP = timedelta(days=30)
"""How long after an appointment its clinician still cares for the patient (the report)."""


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"


NEXT_STATUS = {
    AppointmentStatus.BOOKED: {
        AppointmentStatus.ATTENDED,
        AppointmentStatus.DID_NOT_ATTEND,
        AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.DID_NOT_ATTEND: {AppointmentStatus.BOOKED},
    AppointmentStatus.CANCELLED: {AppointmentStatus.BOOKED},
    AppointmentStatus.ATTENDED: set(),
}


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    subject_id: str
    service: FieldValue
    service_title: str | None
    """The service's name, where the reader may see which service it is."""
    starts_at: datetime
    duration_minutes: int
    location: str | None
    status: AppointmentStatus
    clinician: str | None
    booked_at: datetime
    booked_by: str
    referral_id: str | None


@dataclass(frozen=True)
class Booking:
    """What a booking asks for. ``subject`` books an existing patient; ``patient`` registers a
    new one from the booking form's fields in the same transaction."""

    service: str
    starts_at: datetime
    capture: Capture | None
    subject: str | None = None
    patient: Mapping[str, object] | None = None
    clinician: str | None = None
    duration_minutes: int | None = None
    location: str | None = None
    referral_id: str | None = None
    contact_confirmed: bool = False
    """Staff confirmed the patient's contact details with them (asked when they are stale)."""


class Appointments(ClinicService):
    def book(self, booking: Booking, request_id: str | None = None) -> Appointment:
        binding: AppointmentBinding = self.binding("appointment")
        service = self.policy.service_by_key.get(booking.service)
        if service is None:
            raise InputError(
                f"{booking.service!r} is not a service {self.policy.organisation.display_name} "
                "offers",
                field="service",
                hint=f"book one of: {', '.join(self.policy.service_by_key)}",
            )
        if booking.starts_at.utcoffset() is None:
            raise InputError(
                "an appointment's start needs its UTC offset",
                field="starts_at",
                hint="e.g. 2026-12-07T09:30:00+00:00",
            )
        duration = booking.duration_minutes or service.duration_minutes
        if not 5 <= duration <= 480:
            raise InputError("an appointment lasts from 5 to 480 minutes", field="duration")
        if booking.subject is None and booking.patient is None:
            raise InputError(
                "book for an existing patient (subject) or a new one (patient)",
                field="subject",
            )
        given, marketing = form_consent.split(self.policy, booking.patient or {})
        values = clean_values(self.policy, given, self.today())
        clinical_fields = (
            set(self.policy.records.clinical_entry.fields)
            if (self.policy.records.clinical_entry)
            else set()
        )
        clinical = {k: v for k, v in values.items() if k in clinical_fields}
        personal = {k: v for k, v in values.items() if k not in clinical_fields}
        if booking.subject is not None and personal:
            raise InputError(
                "an existing patient's details are corrected on their record, not by booking; "
                "a booking for them carries only the form's clinical answers",
                field=next(iter(personal)),
                hint="PATCH /api/v1/patients/{subject} to correct their details",
            )
        location = (booking.location or "").strip() or None
        if location is not None and len(location) > 120:
            raise InputError("a location is at most 120 characters", field="location")
        records = Records(self.store, self.actor)
        indexes = records.indexes(personal)
        subject = booking.subject or str(uuid.uuid4())
        fields = [*personal, binding.service_field, *clinical]
        request = self.request(binding.purpose, subject, fields, Action.CREATE, request_id)
        appointment_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            on_record = (
                PatientRepository(session, self.organisation).present(subject)
                if booking.subject
                else set()
            )
            forms = [binding.form] if binding.form else None
            presentation = check(
                self.policy, booking.capture, fields, on_record=on_record, forms=forms
            )
            self.check_clinician(session, booking.clinician)
            confirmed = self._contact_confirmed(session, booking) if booking.subject else None
            note = presentation.audit_note
            if confirmed:
                note = f"{note}; contact details confirmed: {', '.join(confirmed)}"
            guard = self.guard(session)
            assessment = guard.assess(request, note)
            known = assessment.facts.known or booking.subject is None
            if assessment.decision.allowed and known:
                now = self.now()
                if booking.subject is None:
                    records.create_subject(session, guard, subject, personal, indexes, None)
                elif confirmed:
                    PatientRepository(session, self.organisation).confirm(subject, confirmed, now)
                session.add(presentation.row(self.organisation, self.actor.actor, subject, now))
                row = AppointmentRow(
                    organisation_id=self.organisation,
                    appointment_id=appointment_id,
                    subject_id=subject,
                    service=self.seal(subject, binding.service_field, appointment_id, service.key),
                    starts_at=booking.starts_at,
                    duration_minutes=duration,
                    location=location,
                    status=AppointmentStatus.BOOKED.value,
                    clinician=booking.clinician,
                    booked_at=now,
                    booked_by=self.actor.actor,
                    referral_id=booking.referral_id,
                    presentation_id=presentation.presentation_id,
                    updated_at=now,
                )
                session.add(row)
                for field, text in clinical.items():
                    entry_id = str(uuid.uuid4())
                    session.add(
                        ClinicalEntryRow(
                            organisation_id=self.organisation,
                            entry_id=entry_id,
                            subject_id=subject,
                            field=field,
                            content=self.seal(subject, field, entry_id, text),
                            appointment_id=appointment_id,
                            author=self.actor.actor,
                            created_at=now,
                        )
                    )
                if booking.clinician is not None:
                    session.flush()
                    ends = booking.starts_at + timedelta(minutes=duration) + CARE_FOLLOW_UP
                    start_care(session, self.organisation, subject, booking.clinician, now, ends)
                    records.written(
                        guard,
                        subject,
                        ADMINISTRATION,
                        "care:start",
                        f"clinician {booking.clinician}, booked {booking.starts_at.isoformat()}",
                    )
        self.enforce(assessment, booking.subject)
        if booking.capture is not None:
            form_consent.record(self.store, self.actor, subject, booking.capture, marketing)
        return self._shown(row, assessment.decision, self.key(subject))

    def _contact_confirmed(self, session: Session, booking: Booking) -> list[str]:
        """The contact details this booking confirms; refused if they are stale and not
        confirmed with the patient (S0-118). Nothing to confirm: an empty list."""
        binding = self.policy.records.patient
        if binding is None or binding.confirm_contact_after_months is None or not booking.subject:
            return []
        months = binding.confirm_contact_after_months
        held = PatientRepository(session, self.organisation).verified(
            booking.subject, binding.contact_fields
        )
        if booking.contact_confirmed:
            return sorted(held)
        today = self.today()
        stale = {
            field: day
            for field, at in held.items()
            if add_months((day := at.astimezone(LONDON).date()), months)[0] <= today
        }
        if not stale:
            return []
        oldest = min(stale.values())
        titles = ", ".join(self.compiled.title("field", field) for field in sorted(stale))
        raise InputError(
            f"confirm the patient's contact details with them first: {titles} last given or "
            f"confirmed on {long_date(oldest)}, more than {months} months ago",
            field="contact_confirmed",
            hint="ask the patient whether they are still right, correct any that changed on "
            "their record, then book with contact_confirmed set",
        )

    def _shown(
        self, row: AppointmentRow, decision: Decision, key: SubjectKey | None
    ) -> Appointment:
        binding: AppointmentBinding = self.binding("appointment")
        service = self.reveal(
            decision, key, row.subject_id, binding.service_field, row.appointment_id, row.service
        )
        assert service is not None
        title = None
        if service.state == "value" and service.value in self.policy.service_by_key:
            title = self.policy.service_by_key[service.value].title
        return Appointment(
            row.appointment_id,
            row.subject_id,
            service,
            title,
            row.starts_at,
            row.duration_minutes,
            row.location,
            AppointmentStatus(row.status),
            row.clinician,
            row.booked_at,
            row.booked_by,
            row.referral_id,
        )

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[Appointment]:
        """The patient's appointments, newest first, as the guard lets this actor see them."""
        binding: AppointmentBinding = self.binding("appointment")
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            [binding.service_field],
            AppointmentRow,
            (AppointmentRow.starts_at, AppointmentRow.appointment_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

    def set_status(
        self,
        subject: str,
        appointment_id: str,
        status: AppointmentStatus,
        request_id: str | None = None,
    ) -> Appointment:
        """Mark an appointment attended, missed or cancelled (or book it again). Cancelling
        the last appointment with a clinician ends their care relationship with the patient."""
        with self.store.sessions.begin() as session:
            row, assessment = self.change_status(
                session, subject, appointment_id, status, request_id
            )
        return self.shown_after(row, assessment, subject)

    def change_status(
        self,
        session: Session,
        subject: str,
        appointment_id: str,
        status: AppointmentStatus,
        request_id: str | None = None,
    ) -> tuple[AppointmentRow, Assessment]:
        """``set_status`` inside the caller's transaction (a change it is part of): the guard's
        assessment is recorded and, if allowed, the status changed; ``shown_after`` then
        raises the refusal or shows the appointment once the caller has committed."""
        binding: AppointmentBinding = self.binding("appointment")
        request = self.request(
            binding.purpose, subject, [binding.service_field], Action.WRITE, request_id
        )
        row = session.get(AppointmentRow, (self.organisation, appointment_id))
        if row is None or row.subject_id != subject:
            raise NotFound(f"no appointment {appointment_id} for this patient", field="id")
        current = AppointmentStatus(row.status)
        if status not in NEXT_STATUS[current]:
            raise InputError(
                f"an appointment that is {current.value.replace('_', ' ')} cannot become "
                f"{status.value.replace('_', ' ')}",
                field="status",
            )
        guard = self.guard(session)
        assessment = guard.assess(request, f"status {current.value} -> {status.value}")
        if assessment.decision.allowed:
            now = self.now()
            row.status, row.updated_at = status.value, now
            if status is AppointmentStatus.CANCELLED and row.clinician is not None:
                self._shorten_care(session, row, now)
                Records(self.store, self.actor).written(
                    guard, subject, ADMINISTRATION, "care:end", f"clinician {row.clinician}"
                )
        return row, assessment

    def shown_after(self, row: AppointmentRow, assessment: Assessment, subject: str) -> Appointment:
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

    def _shorten_care(self, session: Session, row: AppointmentRow, now: datetime) -> None:
        assert row.clinician is not None
        last = clinic_repository.latest_end_with(
            session, self.organisation, row.subject_id, row.clinician, row.appointment_id
        )
        end_care(session, self.organisation, row.subject_id, row.clinician, now)
        if last is not None:
            start_care(
                session,
                self.organisation,
                row.subject_id,
                row.clinician,
                now,
                last + CARE_FOLLOW_UP,
            )

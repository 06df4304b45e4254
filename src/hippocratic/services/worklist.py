"""Today's worklist: the day's appointments of the patients this actor may see, in time
order, as a ``PatientListing`` (one scoped query, every patient shown audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from hippocratic.policy.record_binding import AppointmentBinding
from hippocratic.services.appointments import Appointment, Appointments
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Cursor, Page, limit_of
from hippocratic.services.patient_listing import PatientListing
from hippocratic.storage import clinic_repository
from hippocratic.storage.clinic import AppointmentRow


@dataclass(frozen=True)
class WorklistItem:
    appointment: Appointment
    patient: dict[str, FieldValue]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UK day ``day`` as a half-open interval of instants."""
    start = datetime.combine(day, time(0), LONDON)
    return start, datetime.combine(day + timedelta(days=1), time(0), LONDON)


class Worklist(Appointments, PatientListing):
    def day(
        self,
        day: date | None = None,
        *,
        clinician: str | None = None,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[WorklistItem]:
        """The appointments of ``day`` (default today), optionally one clinician's only."""
        binding: AppointmentBinding = self.binding("appointment")
        size = limit_of(limit)
        position = Cursor.decode(cursor)
        start, end = day_bounds(day or self.today())
        resume = (position.at, position.id) if position else None

        def fetch(session: Session, visible: ColumnElement[bool]) -> list[AppointmentRow]:
            return clinic_repository.worklist(
                session, self.organisation, start, end, visible, resume, size + 1, clinician
            )

        listed = self.listed(
            purpose or binding.purpose,
            [binding.service_field],
            fetch,
            lambda row: row.subject_id,
            size,
            f"worklist {start.date()}",
            request_id,
        )
        items = [
            WorklistItem(
                self._shown(row, listed.decision, self.key(row.subject_id)),
                self.names_of(listed, row.subject_id),
            )
            for row in listed.rows[:size]
        ]
        last = listed.rows[size - 1] if len(listed.rows) > size else None
        return Page(items, Cursor(last.starts_at, last.appointment_id).encode() if last else None)

"""SQL over the clinic's records, always within one organisation: per-patient lists and the
day's worklist, paged by keyset. No decisions here: callers pass the guard's ``scope`` filter,
so a list filters, orders and pages only over patients the actor may see (invariant 7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hippocratic.storage.clinic import AppointmentRow
from hippocratic.storage.staff import StaffRow
from hippocratic.storage.subject import SubjectRow


def after(
    query: Select[Any],
    at: InstrumentedAttribute[Any],
    ident: InstrumentedAttribute[str],
    cursor: tuple[Any, str] | None,
    *,
    descending: bool = False,
) -> Select[Any]:
    """``query`` ordered by (``at``, ``ident``), resumed after ``cursor``."""
    if cursor is not None:
        moment, key = cursor
        if descending:
            query = query.where(or_(at < moment, and_(at == moment, ident < key)))
        else:
            query = query.where(or_(at > moment, and_(at == moment, ident > key)))
    if descending:
        return query.order_by(at.desc(), ident.desc())
    return query.order_by(at, ident)


def worklist(
    session: Session,
    organisation: str,
    start: datetime,
    end: datetime,
    visible: ColumnElement[bool],
    cursor: tuple[Any, str] | None,
    limit: int,
    clinician: str | None = None,
) -> list[AppointmentRow]:
    """Appointments from ``start`` to ``end`` of patients ``visible`` selects, in time order:
    one query, whatever the size of the store (index ``ix_appointment_starts``)."""
    query = (
        select(AppointmentRow)
        .join(
            SubjectRow,
            (SubjectRow.organisation_id == AppointmentRow.organisation_id)
            & (SubjectRow.subject_id == AppointmentRow.subject_id),
        )
        .where(
            AppointmentRow.organisation_id == organisation,
            AppointmentRow.starts_at >= start,
            AppointmentRow.starts_at < end,
            visible,
        )
    )
    if clinician is not None:
        query = query.where(AppointmentRow.clinician == clinician)
    query = after(query, AppointmentRow.starts_at, AppointmentRow.appointment_id, cursor)
    return list(session.scalars(query.limit(limit)))


def latest_end_with(
    session: Session, organisation: str, subject: str, clinician: str, excluding: str
) -> datetime | None:
    """When the last appointment still booked or attended with this clinician ends (SQLite
    and PostgreSQL agree on nothing for date arithmetic, so the end is added in Python)."""
    rows = session.execute(
        select(AppointmentRow.starts_at, AppointmentRow.duration_minutes).where(
            AppointmentRow.organisation_id == organisation,
            AppointmentRow.subject_id == subject,
            AppointmentRow.clinician == clinician,
            AppointmentRow.appointment_id != excluding,
            AppointmentRow.status.in_(("booked", "attended")),
        )
    ).all()
    ends = [starts + timedelta(minutes=minutes) for starts, minutes in rows]
    return max(ends) if ends else None


def active_staff(session: Session, organisation: str, username: str) -> StaffRow | None:
    row = session.get(StaffRow, (organisation, username))
    return row if row is not None and row.disabled_at is None else None

"""Care relationships and break-glass grants as SQL conditions, shared by the decision's facts
and by ``scope``, so a single answer holds for one patient and for a worklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, update
from sqlalchemy.orm import Session

from hippocratic.errors import NotFound
from hippocratic.storage.care import BreakGlassRow, CareRelationshipRow
from hippocratic.storage.database import Operand
from hippocratic.storage.subject import SubjectRow


def in_care(
    organisation: Operand[str], subject: Operand[str], actor: Operand[str], at: Operand[datetime]
) -> ColumnElement[bool]:
    return exists().where(
        CareRelationshipRow.organisation_id == organisation,
        CareRelationshipRow.subject_id == subject,
        CareRelationshipRow.actor == actor,
        CareRelationshipRow.started_at <= at,
        or_(CareRelationshipRow.ended_at.is_(None), CareRelationshipRow.ended_at > at),
    )


def under_break_glass(
    organisation: Operand[str], subject: Operand[str], actor: Operand[str], at: Operand[datetime]
) -> ColumnElement[bool]:
    return exists().where(
        BreakGlassRow.organisation_id == organisation,
        BreakGlassRow.subject_id == subject,
        BreakGlassRow.actor == actor,
        BreakGlassRow.granted_at <= at,
        BreakGlassRow.expires_at > at,
    )


def start_care(
    session: Session,
    organisation: str,
    subject: str,
    clinician: str,
    at: datetime,
    until: datetime | None = None,
) -> None:
    """The clinician cares for the patient from ``at`` (e.g. a booked scan) until ``until``
    or ``end_care``. A relationship already running is extended, never shortened."""
    if session.get(SubjectRow, (organisation, subject)) is None:
        raise NotFound(f"no patient {subject} in {organisation}")
    current = session.get(CareRelationshipRow, (organisation, clinician, subject))
    if current is not None and (current.ended_at is None or current.ended_at > at):
        if current.ended_at is not None and (until is None or until > current.ended_at):
            current.ended_at = until
        return
    session.merge(
        CareRelationshipRow(
            organisation_id=organisation,
            actor=clinician,
            subject_id=subject,
            started_at=at,
            ended_at=until,
        )
    )


def end_care(
    session: Session, organisation: str, subject: str, clinician: str, at: datetime
) -> None:
    session.execute(
        update(CareRelationshipRow)
        .where(
            CareRelationshipRow.organisation_id == organisation,
            CareRelationshipRow.subject_id == subject,
            CareRelationshipRow.actor == clinician,
        )
        .values(ended_at=at)
    )

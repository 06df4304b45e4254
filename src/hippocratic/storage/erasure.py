"""Erasing a subject's records from the store: set-based deletes, one statement per kind, in the
caller's transaction, and the counts of what each held.

The subject row stays (a tombstone the audit ledger, consent ledger and rights requests still
point at); so do the audit and consent ledgers themselves, which prove what was done and that
no marketing may be sent (they refuse deletion). Campaign messages lose the subject instead of
being deleted, so campaign counts stay true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.care import CareRelationshipRow
from hippocratic.storage.clinic import (
    AppointmentRow,
    CaseRow,
    ClinicalEntryRow,
    CommunicationRow,
    PaymentRow,
    ReferralRow,
)
from hippocratic.storage.disposal_deletions import item_column
from hippocratic.storage.fraud_marker import FraudMarkerRow
from hippocratic.storage.record import SubjectFieldRow

Table = (
    type[ClinicalEntryRow]
    | type[PaymentRow]
    | type[CommunicationRow]
    | type[CaseRow]
    | type[AppointmentRow]
    | type[ReferralRow]
    | type[FraudMarkerRow]
)
RECORD_TABLES: dict[str, Table] = {
    "clinical_entry": ClinicalEntryRow,
    "payment": PaymentRow,
    "communication": CommunicationRow,
    "enquiry": CaseRow,
    "complaint": CaseRow,
    "appointment": AppointmentRow,
    "referral": ReferralRow,
    "fraud_marker": FraudMarkerRow,
}
"""Each kind of clinic record and its table, in an order that deletes dependants first; the
two kinds of case share a table (``CaseRow.kind`` tells them apart)."""


def _of(table: Table, organisation: str, subject: str, kind: str) -> list[ColumnElement[bool]]:
    where = [table.organisation_id == organisation, table.subject_id == subject]
    if table is CaseRow:
        where.append(CaseRow.kind == kind)
    return where


def held(session: Session, organisation: str, subject: str) -> dict[str, int]:
    """How many records of each kind the subject has, and their fields (``field:<key>``)."""
    counts: dict[str, int] = {}
    for kind, table in RECORD_TABLES.items():
        count = session.scalar(select(func.count()).where(*_of(table, organisation, subject, kind)))
        if count:
            counts[kind] = count
    for field in session.scalars(
        select(SubjectFieldRow.field).where(
            SubjectFieldRow.organisation_id == organisation,
            SubjectFieldRow.subject_id == subject,
        )
    ):
        counts[f"field:{field}"] = 1
    return counts


def entry_fields(session: Session, organisation: str, subject: str) -> set[str]:
    """The policy fields of the subject's clinical entries (a scan report, a history)."""
    return set(
        session.scalars(
            select(ClinicalEntryRow.field).where(
                ClinicalEntryRow.organisation_id == organisation,
                ClinicalEntryRow.subject_id == subject,
            )
        )
    )


def attended(session: Session, organisation: str, subject: str) -> bool:
    found = session.scalar(
        select(func.count()).where(
            AppointmentRow.organisation_id == organisation,
            AppointmentRow.subject_id == subject,
            AppointmentRow.status == "attended",
        )
    )
    return bool(found)


def erase_fields(
    session: Session, organisation: str, subject: str, fields: Iterable[str]
) -> list[str]:
    """Delete these fields of the subject's own record, values and blind indexes alike; the
    keys of the fields deleted."""
    keys = list(fields)
    if not keys:
        return []
    result = session.execute(
        delete(SubjectFieldRow)
        .where(
            SubjectFieldRow.organisation_id == organisation,
            SubjectFieldRow.subject_id == subject,
            SubjectFieldRow.field.in_(keys),
        )
        .returning(SubjectFieldRow.field)
    )
    return list(result.scalars())


def erase_records(
    session: Session, organisation: str, subject: str, kinds: Iterable[str]
) -> list[tuple[str, str, str]]:
    """Delete the subject's records of these kinds (``RECORD_TABLES``); (kind, table, record
    id) of each one deleted."""
    wanted = set(kinds)
    deleted: list[tuple[str, str, str]] = []
    for kind, table in RECORD_TABLES.items():
        if kind not in wanted:
            continue
        table_: Table = table
        column = item_column(table_.__table__)
        result = session.execute(
            delete(table_)
            .where(*_of(table_, organisation, subject, kind))
            .returning(column)
            .execution_options(synchronize_session=False)
        )
        deleted += [(kind, table_.__tablename__, str(item)) for item in result.scalars()]
    return deleted


CHUNK = 500
"""Subjects (or messages) per statement: an ``IN`` list well inside every database's limit."""


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def end_care(session: Session, organisation: str, subjects: Sequence[str]) -> None:
    """Care relationships with the subjects end and go (an erasure of each whole subject), one
    statement per ``CHUNK`` of subjects."""
    for chunk in _chunks(subjects):
        session.execute(
            delete(CareRelationshipRow).where(
                CareRelationshipRow.organisation_id == organisation,
                CareRelationshipRow.subject_id.in_(chunk),
            )
        )


def unlink_campaigns(session: Session, organisation: str, subjects: Sequence[str]) -> list[str]:
    """Campaign messages no longer say whom they went to; the campaign's counts stay. The ids
    of the messages unlinked, read and locked first, a ``CHUNK`` of subjects at a time."""
    found: list[str] = []
    for chunk in _chunks(subjects):
        found += session.scalars(
            select(CampaignMessageRow.message_id)
            .where(
                CampaignMessageRow.organisation_id == organisation,
                CampaignMessageRow.subject_id.in_(chunk),
            )
            .with_for_update()
        )
    for chunk in _chunks(found):
        session.execute(
            update(CampaignMessageRow)
            .where(
                CampaignMessageRow.organisation_id == organisation,
                CampaignMessageRow.message_id.in_(chunk),
            )
            .values(subject_id=None)
            .execution_options(synchronize_session=False)
        )
    return found

"""Replaying the disposal register against restored data: what a whole erasure deleted is
deleted again, set-based, in one transaction per organisation.

A subject in the register had nothing the law required us to keep (``services.erasure``, or a
retention sweep that disposed of them), so everything the erasure of a whole subject deletes
goes: their clinic records of every kind, their care relationships, every field of their record
with its blind index (which is what takes them out of every search), and campaign messages
lose them. The subject row stays, as after the erasure itself: the audit ledger, the consent
ledger and rights requests point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.care import CareRelationshipRow
from hippocratic.storage.erasure import RECORD_TABLES
from hippocratic.storage.record import SubjectFieldRow

CHUNK = 500


@dataclass(frozen=True)
class Replayed:
    subjects_with_data: int
    """Register subjects the restored data still held something of."""
    rows_deleted: int


def _tables() -> list[Any]:
    """Every per-subject table the erasure of a whole subject empties, dependants first."""
    tables: list[Any] = list(dict.fromkeys(RECORD_TABLES.values()))
    return [*tables, CareRelationshipRow, SubjectFieldRow]


def replay(session: Session, organisation: str, subjects: Sequence[str]) -> Replayed:
    """Delete, in the caller's transaction, everything of ``subjects`` a whole erasure
    deletes; returns how many of them the store still held something of, and the rows."""
    found: set[str] = set()
    deleted = 0
    for start in range(0, len(subjects), CHUNK):
        chunk = list(subjects[start : start + CHUNK])
        for table in [*_tables(), CampaignMessageRow]:
            found |= set(
                session.scalars(
                    select(table.subject_id)
                    .where(table.organisation_id == organisation, table.subject_id.in_(chunk))
                    .distinct()
                )
            )
        session.execute(
            update(CampaignMessageRow)
            .where(
                CampaignMessageRow.organisation_id == organisation,
                CampaignMessageRow.subject_id.in_(chunk),
            )
            .values(subject_id=None)
        )
        for table in _tables():
            result = session.execute(
                delete(table).where(
                    table.organisation_id == organisation, table.subject_id.in_(chunk)
                )
            )
            deleted += int(result.rowcount)  # type: ignore[attr-defined]
    return Replayed(len(found), deleted)

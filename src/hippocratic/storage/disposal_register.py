"""The disposal register: every crypto-shred, kept with the keys, replayed by every restore.

One entry per shredded subject, in the key store (``keystore.DisposalRow``), written in the
same key-store transaction that deletes the subject's key (``Vault.shred`` calls ``record``,
so every caller, the erasure service and a retention sweep alike, gets it): the subject id,
when, the cause (``erasure``, ``retention``), the rights request or run behind it, and who;
never what the subject's data held. Triggers refuse UPDATE and DELETE on both engines.

The tombstone (``shredded_subject``) is the register's index: it is what refuses to mint that
subject a key again. A key store made before the register gets it at its first shred or
restore, with an entry for every tombstone already there (cause ``tombstone``).

A restore of older data replays the live register against it (``services.restore``): each
subject's key is gone and their rows are deleted (``disposal_replay``), so they stay erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Engine, Table, event, func, insert, inspect, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from hippocratic.storage.keystore import DisposalRow, ShreddedSubjectRow

TABLE = cast(Table, DisposalRow.__table__)

SQLITE_TRIGGERS = [
    "CREATE TRIGGER disposal_register_no_update BEFORE UPDATE ON disposal_register "
    "BEGIN SELECT RAISE(ABORT, 'the disposal register is append-only'); END",
    "CREATE TRIGGER disposal_register_no_delete BEFORE DELETE ON disposal_register "
    "BEGIN SELECT RAISE(ABORT, 'the disposal register is append-only'); END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION disposal_register_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the disposal register is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER disposal_register_append_only BEFORE UPDATE OR DELETE "
    "ON disposal_register FOR EACH ROW EXECUTE FUNCTION disposal_register_append_only()",
    "CREATE TRIGGER disposal_register_no_truncate BEFORE TRUNCATE ON disposal_register "
    "FOR EACH STATEMENT EXECUTE FUNCTION disposal_register_append_only()",
]


@dataclass(frozen=True)
class Disposal:
    """Why a subject's key is destroyed, as the register records it."""

    cause: str = "shred"
    """``erasure``, ``retention``, or ``shred`` when the caller gives none."""
    reference: str | None = None
    """The rights request or retention run behind it."""
    actor: str | None = None


ERASURE = "erasure"
RETENTION = "retention"


@dataclass(frozen=True)
class DisposalEntry:
    organisation: str
    entry: int
    subject: str
    disposed_at: datetime
    cause: str
    reference: str | None
    actor: str | None


def _triggers(table: object, connection: Connection, **_: object) -> None:
    statements = SQLITE_TRIGGERS if connection.dialect.name == "sqlite" else POSTGRESQL_TRIGGERS
    for statement in statements:
        connection.exec_driver_sql(statement)


event.listen(TABLE, "after_create", _triggers)


def ensure_register(engine: Engine) -> None:
    """Create the register in a key store made before it, with an entry for each tombstone
    already there (cause ``tombstone``, at the tombstone's time)."""
    if inspect(engine).has_table(TABLE.name):
        return
    try:
        with engine.begin() as connection:
            TABLE.create(connection)
            tombstones = connection.execute(
                select(
                    ShreddedSubjectRow.organisation_id,
                    ShreddedSubjectRow.subject_id,
                    ShreddedSubjectRow.shredded_at,
                ).order_by(ShreddedSubjectRow.shredded_at, ShreddedSubjectRow.subject_id)
            ).all()
            numbers: dict[str, int] = {}
            rows = []
            for organisation, subject, at in tombstones:
                numbers[organisation] = numbers.get(organisation, 0) + 1
                rows.append(
                    {"organisation_id": organisation, "entry": numbers[organisation],
                     "subject_id": subject, "disposed_at": at, "cause": "tombstone"}
                )  # fmt: skip
            if rows:
                connection.execute(insert(TABLE), rows)
    except DatabaseError:  # another process created it at the same moment
        if not inspect(engine).has_table(TABLE.name):
            raise


def record(
    session: Session, organisation: str, subject: str, at: datetime, disposal: Disposal
) -> bool:
    """Enter the subject's shred in the caller's key-store transaction (the one deleting the
    key); False, writing nothing, if the register already has them."""
    found = session.scalar(
        select(DisposalRow.entry).where(
            DisposalRow.organisation_id == organisation, DisposalRow.subject_id == subject
        )
    )
    if found is not None:
        return False
    last = session.scalar(
        select(func.max(DisposalRow.entry)).where(DisposalRow.organisation_id == organisation)
    )
    session.add(
        DisposalRow(
            organisation_id=organisation,
            entry=(last or 0) + 1,
            subject_id=subject,
            disposed_at=at,
            cause=disposal.cause[:32],
            reference=disposal.reference,
            actor=disposal.actor,
        )
    )
    session.flush()
    return True


def record_many(
    session: Session, organisation: str, subjects: Sequence[str], at: datetime, disposal: Disposal
) -> int:
    """Enter every one of ``subjects`` the register lacks, numbered in the order given, in the
    caller's key-store transaction (a batch shred's); returns how many were entered."""
    named = list(dict.fromkeys(subjects))
    there: set[str] = set()
    for start in range(0, len(named), 500):
        there |= set(
            session.scalars(
                select(DisposalRow.subject_id).where(
                    DisposalRow.organisation_id == organisation,
                    DisposalRow.subject_id.in_(named[start : start + 500]),
                )
            )
        )
    fresh = [s for s in named if s not in there]
    if not fresh:
        return 0
    last = session.scalar(
        select(func.max(DisposalRow.entry)).where(DisposalRow.organisation_id == organisation)
    )
    session.execute(
        insert(TABLE),
        [
            {"organisation_id": organisation, "entry": (last or 0) + n, "subject_id": subject,
             "disposed_at": at, "cause": disposal.cause[:32], "reference": disposal.reference,
             "actor": disposal.actor}
            for n, subject in enumerate(fresh, start=1)
        ],
    )  # fmt: skip
    return len(fresh)


def entries(engine: Engine, organisation: str | None = None) -> list[DisposalEntry]:
    """The register's entries (of one organisation, or all), in order; none before it exists."""
    if not inspect(engine).has_table(TABLE.name):
        return []
    query = select(DisposalRow).order_by(DisposalRow.organisation_id, DisposalRow.entry)
    if organisation is not None:
        query = query.where(DisposalRow.organisation_id == organisation)
    with Session(engine) as session:
        return [_entry(row) for row in session.scalars(query)]


def high_water(engine: Engine) -> dict[str, int]:
    """Per organisation, the number of the register's latest entry (what a backup notes)."""
    if not inspect(engine).has_table(TABLE.name):
        return {}
    with engine.connect() as connection:
        return {
            organisation: int(last)
            for organisation, last in connection.execute(
                select(DisposalRow.organisation_id, func.max(DisposalRow.entry)).group_by(
                    DisposalRow.organisation_id
                )
            )
        }


def carry_over(engine: Engine, kept: Iterable[DisposalEntry]) -> int:
    """Enter in the register at ``engine`` (a key store just restored from a backup) every
    entry of ``kept`` (the live register, read before) that it lacks, as it was written;
    returns how many. A number already taken there is renumbered after its last entry."""
    ensure_register(engine)
    added = 0
    with Session(engine) as session, session.begin():
        for item in kept:
            where = (
                DisposalRow.organisation_id == item.organisation,
                DisposalRow.subject_id == item.subject,
            )
            if session.scalar(select(DisposalRow.entry).where(*where)) is not None:
                continue
            number = item.entry
            if session.get(DisposalRow, (item.organisation, number)) is not None:
                last = session.scalar(
                    select(func.max(DisposalRow.entry)).where(
                        DisposalRow.organisation_id == item.organisation
                    )
                )
                number = (last or 0) + 1
            session.add(
                DisposalRow(
                    organisation_id=item.organisation, entry=number, subject_id=item.subject,
                    disposed_at=item.disposed_at, cause=item.cause,
                    reference=item.reference, actor=item.actor,
                )
            )  # fmt: skip
            session.flush()
            added += 1
    return added


def _entry(row: DisposalRow) -> DisposalEntry:
    return DisposalEntry(
        row.organisation_id,
        row.entry,
        row.subject_id,
        row.disposed_at,
        row.cause,
        row.reference,
        row.actor,
    )

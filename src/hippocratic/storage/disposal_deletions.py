"""The deletion register: every record disposed of without its subject's key, kept with the
keys, replayed by every restore.

A crypto-shred disposes of a whole subject and the disposal register names them. A retention
sweep that deletes a rule's records of a patient who keeps others, or anonymises campaign
messages, and an erasure that deletes some items and keeps others, dispose of part of a record;
the subject's key lives on, so a restored older backup would bring those records back readable.
This register names each one: the organisation, the subject, the kind of record, its table and
its id (for a field of the patient's own record, the field's key), the action (``delete`` or
``anonymise``), when, why (``retention``, ``erasure``), the run or request and who; never what
it held. It lives in the key store (``keystore.DeletionRow``), apart from the data, so a
backup of the data cannot take it back; triggers refuse UPDATE and DELETE on both engines.

It is written before the disposal commits: the caller runs its DELETE (or UPDATE) with
RETURNING in its open data transaction, ``record`` commits what it returned here, and only then
does the data transaction commit. A crash in between leaves an entry for a disposal that did not
commit, which the next run carries out, and a restore carries out on its own; never a disposal
that is not entered.

``replay`` carries the register out against restored data (``services.restore``): each record
named is deleted (or loses its patient) again. A record's id is never reused, so replaying an
entry made before the backup touches nothing newer; a field's key is, so a field is deleted
again only if it was last written before its disposal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, delete, event, insert, inspect, select, tuple_
from sqlalchemy import update as sql_update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from hippocratic.storage import site_visit
from hippocratic.storage.database import Base
from hippocratic.storage.disposal_register import Disposal
from hippocratic.storage.keystore import DeletionRow

TABLE = cast(Table, DeletionRow.__table__)
DELETE = "delete"
ANONYMISE = "anonymise"
CHUNK = 500
FIELD_TABLE = "subject_field"
"""The one table whose item key is reused (a field written again after its disposal)."""
VISIT_TABLE = "site_visit"
"""Website analytics: an entry names a visitor's pseudonym (in ``subject_id``), whose visits
until then were deleted when they withdrew analytics consent."""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER disposal_deletion_no_update BEFORE UPDATE ON disposal_deletion "
    "BEGIN SELECT RAISE(ABORT, 'the deletion register is append-only'); END",
    "CREATE TRIGGER disposal_deletion_no_delete BEFORE DELETE ON disposal_deletion "
    "BEGIN SELECT RAISE(ABORT, 'the deletion register is append-only'); END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION disposal_deletion_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the deletion register is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER disposal_deletion_append_only BEFORE UPDATE OR DELETE "
    "ON disposal_deletion FOR EACH ROW EXECUTE FUNCTION disposal_deletion_append_only()",
    "CREATE TRIGGER disposal_deletion_no_truncate BEFORE TRUNCATE ON disposal_deletion "
    "FOR EACH STATEMENT EXECUTE FUNCTION disposal_deletion_append_only()",
]


def _triggers(table: object, connection: Connection, **_: object) -> None:
    statements = SQLITE_TRIGGERS if connection.dialect.name == "sqlite" else POSTGRESQL_TRIGGERS
    for statement in statements:
        connection.exec_driver_sql(statement)


event.listen(TABLE, "after_create", _triggers)


@dataclass(frozen=True)
class Deletion:
    """One entry: what was disposed of, and why; never what it held."""

    organisation: str
    batch: str
    item_no: int
    subject: str
    kind: str
    record_table: str
    item: str
    action: str
    disposed_at: datetime
    cause: str
    reference: str | None
    actor: str | None


@dataclass(frozen=True)
class Replayed:
    deleted: int
    """Rows the restored data still held that the register names as deleted: deleted again."""
    anonymised: int
    """Rows that had their patient back: anonymised again."""


def ensure(engine: Engine) -> None:
    """Create the register in a key store made before it."""
    if inspect(engine).has_table(TABLE.name):
        return
    try:
        TABLE.create(engine)
    except DatabaseError:  # another process created it at the same moment
        if not inspect(engine).has_table(TABLE.name):
            raise


def item_column(table: Any) -> Any:
    """The column naming one item of ``table`` within the subject: its key beside the
    organisation and the subject (a record's id, or a field's key)."""
    columns = [
        c for c in table.primary_key.columns if c.name not in ("organisation_id", "subject_id")
    ]
    if len(columns) != 1:
        raise ValueError(f"{table.name} has no single item key")
    return columns[0]


def named(
    organisation: str,
    kind: str,
    record_table: str,
    action: str,
    items: Sequence[tuple[str | None, Any]],
    at: datetime,
    disposal: Disposal,
) -> list[Deletion]:
    """The entries, one batch, for (subject, item) ``items`` of ``record_table``."""
    batch = str(uuid.uuid4())
    return [
        Deletion(organisation, batch, n, subject, kind[:32], record_table, str(item), action,
                 at, disposal.cause[:32], disposal.reference, disposal.actor)
        for n, (subject, item) in enumerate(items, start=1)
        if subject is not None
    ]  # fmt: skip


def write(engine: Engine, entries: Sequence[Deletion]) -> int:
    """Enter ``entries`` in the register in one key-store transaction and commit it, before
    the caller's data transaction that disposed of them commits; returns how many."""
    if not entries:
        return 0
    ensure(engine)
    rows = [_row(entry) for entry in entries]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5_000):
            connection.execute(insert(TABLE), rows[start : start + 5_000])
    return len(rows)


def record(
    engine: Engine,
    organisation: str,
    kind: str,
    record_table: str,
    action: str,
    items: Sequence[tuple[str | None, Any]],
    at: datetime,
    disposal: Disposal,
) -> int:
    """``write`` the entries ``named`` gives: one disposal of one kind of record."""
    return write(engine, named(organisation, kind, record_table, action, items, at, disposal))


def entries(engine: Engine, organisation: str | None = None) -> list[Deletion]:
    """The register's entries (of one organisation, or all); none before it exists."""
    if not inspect(engine).has_table(TABLE.name):
        return []
    query = select(DeletionRow).order_by(
        DeletionRow.organisation_id, DeletionRow.disposed_at, DeletionRow.batch,
        DeletionRow.item_no,
    )  # fmt: skip
    if organisation is not None:
        query = query.where(DeletionRow.organisation_id == organisation)
    with Session(engine) as session:
        return [_entry(row) for row in session.scalars(query)]


def carry_over(engine: Engine, kept: Iterable[Deletion]) -> int:
    """Enter in the register at ``engine`` (a key store just restored from a backup) every
    entry of ``kept`` (the live register, read before) that it lacks; returns how many."""
    ensure(engine)
    with Session(engine) as session:
        there = {
            (organisation, batch, item_no)
            for organisation, batch, item_no in session.execute(
                select(DeletionRow.organisation_id, DeletionRow.batch, DeletionRow.item_no)
            )
        }
    rows = [_row(e) for e in kept if (e.organisation, e.batch, e.item_no) not in there]
    if rows:
        with engine.begin() as connection:
            for start in range(0, len(rows), 5_000):
                connection.execute(insert(TABLE), rows[start : start + 5_000])
    return len(rows)


def replay(session: Session, organisation: str, named: Sequence[Deletion]) -> Replayed:
    """Carry out, in the caller's data transaction, every entry of ``named`` (the
    organisation's) against the store; returns how many rows were disposed of again."""
    groups: dict[tuple[str, str, datetime], list[Deletion]] = {}
    for item in named:
        groups.setdefault((item.record_table, item.action, item.disposed_at), []).append(item)
    deleted = anonymised = 0
    for (name, action, at), items in groups.items():
        table = Base.metadata.tables.get(name)
        if table is None:
            raise ValueError(f"the deletion register names {name}, which the store lacks")
        if name == VISIT_TABLE:  # a website visitor's visits, named by their pseudonym
            visitors = [item.subject for item in items]
            for start in range(0, len(visitors), CHUNK):
                deleted += site_visit.delete_visitor(
                    session, organisation, visitors[start : start + CHUNK], before=at
                )
            continue
        key = tuple_(table.c.subject_id, item_column(table))
        for start in range(0, len(items), CHUNK):
            keys = [(item.subject, item.item) for item in items[start : start + CHUNK]]
            where = [table.c.organisation_id == organisation, key.in_(keys)]
            if name == FIELD_TABLE:  # a field written again since keeps its new value
                where.append(table.c.updated_at <= at)
            statement = (
                delete(table).where(*where)
                if action == DELETE
                else sql_update(table).where(*where).values(subject_id=None)
            )
            result = session.execute(statement.execution_options(synchronize_session=False))
            count = int(getattr(result, "rowcount", 0) or 0)
            if action == DELETE:
                deleted += count
            else:
                anonymised += count
    return Replayed(deleted, anonymised)


def _row(entry: Deletion) -> dict[str, Any]:
    return {
        "organisation_id": entry.organisation, "batch": entry.batch, "item_no": entry.item_no,
        "subject_id": entry.subject, "kind": entry.kind, "record_table": entry.record_table,
        "item_id": entry.item, "action": entry.action, "disposed_at": entry.disposed_at,
        "cause": entry.cause, "reference": entry.reference, "actor": entry.actor,
    }  # fmt: skip


def _entry(row: DeletionRow) -> Deletion:
    return Deletion(
        row.organisation_id, row.batch, row.item_no, row.subject_id, row.kind,
        row.record_table, row.item_id, row.action, row.disposed_at, row.cause,
        row.reference, row.actor,
    )  # fmt: skip

"""The audit ledger: who accessed what, when and why, as a per-organisation SHA-256 hash chain.

Each event's hash covers the previous event's hash and a canonical serialisation of every
column, so editing, deleting, inserting or reordering any event breaks the chain at that event.
The head row holds the latest sequence number and hash; appends lock it (SELECT ... FOR UPDATE on
PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE), so concurrent writers never fork
the chain, and (organisation_id, seq) is the primary key as the last line of defence. Every
``CHECKPOINT_EVERY`` events the head is signed with the organisation's Ed25519 key, so cutting
off the tail is caught even if the head row is rewritten. Triggers on both engines refuse UPDATE
and DELETE on audit events: history cannot be rewritten quietly by a stray SQL session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Connection,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base

GENESIS = b"\x00" * 32
CHECKPOINT_EVERY = 1000


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened to personal data, as the guard or a service records it."""

    at: datetime
    actor: str
    role: str
    purpose: str
    subject: str | None
    action: str
    outcome: str
    """``allowed``, ``denied`` or ``written``."""
    fields: Sequence[str] = ()
    categories: Sequence[str] = ()
    rule_ids: Sequence[str] = ()
    request_id: str | None = None
    reason: str | None = None


class AuditEventRow(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "organisation_id", "subject_id"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    fields: Mapped[str] = mapped_column(Text)
    categories: Mapped[str] = mapped_column(Text)
    rule_ids: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpointRow(Base):
    __tablename__ = "audit_checkpoint"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


COLUMNS = (
    "seq",
    "at",
    "actor",
    "role",
    "purpose",
    "subject_id",
    "action",
    "outcome",
    "fields",
    "categories",
    "rule_ids",
    "request_id",
    "reason",
)


ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def canonical(values: Sequence[object]) -> bytes:
    """An unambiguous serialisation of one event's columns, in ``COLUMNS`` order (a JSON array)."""
    return ENCODER.encode(values).encode("utf-8")


def chain(previous: bytes, values: Sequence[object]) -> bytes:
    return sha256(previous + ENCODER.encode(values).encode("utf-8")).digest()


def checkpoint_message(organisation: str, seq: int, head: bytes) -> bytes:
    return f"hippocratic-audit\x1f{organisation}\x1f{seq}\x1f".encode() + head


# Built once: appends run on every guarded access, so their SQL is compiled and cached once.
_LOCK_HEAD = (
    select(AuditHeadRow.seq, AuditHeadRow.hash)
    .where(AuditHeadRow.organisation_id == bindparam("organisation"))
    .with_for_update()
)
_EVENTS = cast(Table, AuditEventRow.__table__)
_HEADS = cast(Table, AuditHeadRow.__table__)
_INSERT_EVENTS = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.organisation_id == bindparam("organisation"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(
    session: Session,
    organisation: str,
    events: Sequence[AuditEvent],
    signer: Ed25519PrivateKey | None = None,
) -> int:
    """Append events in the caller's transaction (durable when it commits); returns the last seq."""
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD, {"organisation": organisation}).first()
    if head is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(AuditHeadRow).values(organisation_id=organisation, seq=0, hash=GENESIS)
                )
        except IntegrityError:
            pass  # another writer created it first; lock theirs
        head = connection.execute(_LOCK_HEAD, {"organisation": organisation}).one()
    seq, previous = head[0], bytes(head[1])
    rows = []
    encode = ENCODER.encode
    for item in events:
        seq += 1
        values = [
            seq,
            item.at.isoformat(),
            item.actor,
            item.role,
            item.purpose,
            item.subject,
            item.action,
            item.outcome,
            encode(list(item.fields)),
            encode(list(item.categories)),
            encode(list(item.rule_ids)),
            item.request_id,
            item.reason,
        ]
        previous = chain(previous, values)
        row = dict(zip(COLUMNS, values, strict=True))
        row.update(organisation_id=organisation, hash=previous)
        rows.append(row)
        if signer is not None and seq % CHECKPOINT_EVERY == 0:
            _checkpoint(session, organisation, seq, previous, signer, item.at)
    if rows:
        connection.execute(_INSERT_EVENTS, rows)
        connection.execute(
            _MOVE_HEAD, {"organisation": organisation, "new_seq": seq, "new_hash": previous}
        )
    return seq


def checkpoint(session: Session, organisation: str, signer: Ed25519PrivateKey, at: datetime) -> int:
    """Sign the current head now (e.g. at the end of a batch or before a backup)."""
    head = session.get(AuditHeadRow, organisation)
    if head is None or head.seq == 0:
        return 0
    if session.get(AuditCheckpointRow, (organisation, head.seq)) is None:
        _checkpoint(session, organisation, head.seq, head.hash, signer, at)
    return head.seq


def _checkpoint(
    session: Session,
    organisation: str,
    seq: int,
    head: bytes,
    signer: Ed25519PrivateKey,
    at: datetime,
) -> None:
    session.add(
        AuditCheckpointRow(
            organisation_id=organisation,
            seq=seq,
            hash=head,
            signature=signer.sign(checkpoint_message(organisation, seq, head)),
            signed_at=at,
        )
    )


APPEND_ONLY_SQL: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}


def install_append_only_guard(connection: Connection) -> None:
    """Make audit events append-only inside the database itself."""
    for statement in APPEND_ONLY_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def _after_create(_table: object, connection: Connection, **_: object) -> None:
    install_append_only_guard(connection)


event.listen(AuditEventRow.__table__, "after_create", _after_create)

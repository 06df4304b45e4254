"""The audit ledger: who accessed what, when and why, as a per-organisation SHA-256 hash chain.

Each event stores the hash of the event before it (``prev_hash``) and its own hash,
``SHA-256(prev_hash || body)``, where the body is the event's columns joined by the unit
separator (see ``body``). The chain starts at a genesis hash derived from the organisation, so
one organisation's chain cannot pass for another's. Editing any column breaks the event's own
hash; deleting, inserting or reordering events breaks a link; cutting off the tail is caught by
the head row and the signed checkpoints.

Appends lock the organisation's head row (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers are
serialised by BEGIN IMMEDIATE), so concurrent writers never fork the chain, and (organisation_id,
seq) is the primary key as the last line of defence. Every ``CHECKPOINT_EVERY`` events, at the
end of an append a minute or more after the last checkpoint, and on demand, the head is signed
with the organisation's Ed25519 key (kept by the vault, wrapped by the master key, never in this
database) and, once committed, handed to witnesses outside the database (``notary``,
``witness``). Triggers on both engines refuse UPDATE and DELETE on events and checkpoints and
refuse to move the head backwards (see ``ledger_triggers``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, cast

from sqlalchemy import (
    Connection,
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

from hippocratic.errors import InputError
from hippocratic.storage.database import Base, Instant
from hippocratic.storage.ledger_triggers import install_append_only_guard, install_for_table
from hippocratic.storage.notary import CHECKPOINT_EVERY, Notary
from hippocratic.storage.witness import Checkpoint

__all__ = [
    "BODY_COLUMNS",
    "CHECKPOINT_EVERY",
    "AuditCheckpointRow",
    "AuditEvent",
    "AuditEventRow",
    "AuditHeadRow",
    "append",
    "body",
    "checkpoint",
    "genesis",
    "install_append_only_guard",
    "link",
]

AT = String(40).with_variant(String(40, collation="C"), "postgresql")
"""An event's time as ISO 8601 text in UTC (``2026-11-24T09:00:00.250000+00:00``; whole seconds
carry no fraction). Text in one offset compares in time order byte by byte, so windows are
text comparisons on both engines; on PostgreSQL the column is collated "C" so that holds
whatever the database's default collation (under en-GB, "+" sorts after "." and a whole second
would compare as later than a fraction of it). SQLite compares text byte by byte already."""
SEPARATOR = "\x1f"
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Lists (fields, categories, rule ids) are stored as compact JSON arrays."""


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened to personal data, as the guard or a service records it.

    ``outcome`` is ``allowed`` or ``denied`` for a decision (the guard's words). Optional text
    that is empty is stored as absent. No value may contain U+001F or U+0000.
    """

    at: datetime
    actor: str
    role: str
    purpose: str
    subject: str | None
    action: str
    outcome: str
    fields: Sequence[str] = ()
    categories: Sequence[str] = ()
    rule_ids: Sequence[str] = ()
    request_id: str | None = None
    reason: str | None = None


class AuditEventRow(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "organisation_id", "subject_id"),
        Index("ix_audit_event_at", "organisation_id", "at"),
        Index("ix_audit_event_actor", "organisation_id", "actor", "at"),
    )
    """By patient (a patient's history), by time (breach windows, the DPO's daily counts) and
    by actor and time (a misused account's accesses: breach scoping, access anomalies)."""

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(AT)
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
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHeadRow(Base):
    """The latest event of each organisation's chain: the row appends lock."""

    __tablename__ = "audit_head"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpointRow(Base):
    """A signed statement that event ``seq`` of the organisation's chain has hash ``hash``."""

    __tablename__ = "audit_checkpoint"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    signed_at: Mapped[datetime] = mapped_column(Instant)


BODY_COLUMNS = (
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
"""The hashed columns, in body order. ``seq`` is bound by the chain itself: an event's place
is fixed by the link to its predecessor, and checkpoints sign (seq, hash) pairs."""


def genesis(organisation: str) -> bytes:
    """The hash the first event of the organisation's chain links to."""
    return sha256(b"hippocratic-audit\x1fgenesis\x1f" + organisation.encode("utf-8")).digest()


def body(values: Sequence[str | None]) -> bytes:
    """The canonical bytes of one event: ``BODY_COLUMNS`` values joined by U+001F, absent as
    empty, UTF-8. Unambiguous because no value may contain the separator."""
    return SEPARATOR.join(value or "" for value in values).encode("utf-8")


def link(previous: bytes, data: bytes) -> bytes:
    return sha256(previous + data).digest()


# Built once: appends run on every guarded access, so their SQL is compiled and cached once.
_LOCK_HEAD = (
    select(AuditHeadRow.seq, AuditHeadRow.hash)
    .where(AuditHeadRow.organisation_id == bindparam("organisation"))
    .with_for_update()
)
_EVENTS = cast(Table, AuditEventRow.__table__)
_HEADS = cast(Table, AuditHeadRow.__table__)
_CHECKPOINTS = cast(Table, AuditCheckpointRow.__table__)
_INSERT_EVENTS = insert(_EVENTS)
_INSERT_CHECKPOINTS = insert(_CHECKPOINTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.organisation_id == bindparam("organisation"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_LATEST_SIGNED = (
    select(AuditCheckpointRow.signed_at)
    .where(AuditCheckpointRow.organisation_id == bindparam("organisation"))
    .order_by(AuditCheckpointRow.seq.desc())
    .limit(1)
)
_FIELD_COUNT = len(BODY_COLUMNS)


def append(
    session: Session,
    organisation: str,
    events: Sequence[AuditEvent],
    notary: Notary | None = None,
    *,
    checkpoint_every: int = CHECKPOINT_EVERY,
) -> int:
    """Append events in the caller's transaction; returns the last seq.

    The events are durable when the caller's transaction commits, together with whatever data
    change they record; so are the checkpoints the ``notary`` signs here, which its witnesses
    receive after that commit. ``InputError`` (and nothing written) if a value holds U+001F or
    U+0000.
    """
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD, {"organisation": organisation}).first()
    if head is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(_HEADS).values(
                        organisation_id=organisation, seq=0, hash=genesis(organisation)
                    )
                )
        except IntegrityError:
            pass  # another writer created it first; lock theirs
        head = connection.execute(_LOCK_HEAD, {"organisation": organisation}).one()
    seq, previous = head[0], bytes(head[1])
    rows: list[dict[str, Any]] = []
    signed: list[Checkpoint] = []
    for item in events:
        seq += 1
        values = _values(item)
        digest = sha256(previous + _checked_body(values)).digest()
        row: dict[str, Any] = dict(zip(BODY_COLUMNS, values, strict=True))
        row.update(organisation_id=organisation, seq=seq, prev_hash=previous, hash=digest)
        rows.append(row)
        previous = digest
        if notary is not None and seq % checkpoint_every == 0:
            signed.append(notary.sign(organisation, seq, digest, item.at))
    if not rows:
        return int(seq)
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(
        _MOVE_HEAD, {"organisation": organisation, "new_seq": seq, "new_hash": previous}
    )
    if notary is None:
        return int(seq)
    last = events[-1].at
    if (not signed or signed[-1].seq != seq) and notary.due(
        session, organisation, last, lambda: _latest_signed(connection, organisation), signed
    ):
        signed.append(notary.sign(organisation, seq, previous, last))
    if signed:
        connection.execute(_INSERT_CHECKPOINTS, [_row(checkpoint) for checkpoint in signed])
        notary.witness_on_commit(session, signed)
    return int(seq)


def checkpoint(session: Session, organisation: str, notary: Notary, at: datetime) -> int:
    """Sign the current head now (e.g. at the end of a batch or before a backup); returns its
    seq, 0 for an empty ledger. Signing a head that is already signed writes nothing. The
    witnesses receive it when the caller's transaction commits."""
    head = session.connection().execute(_LOCK_HEAD, {"organisation": organisation}).first()
    if head is None or head[0] == 0:
        return 0
    seq, digest = int(head[0]), bytes(head[1])
    if session.get(AuditCheckpointRow, (organisation, seq)) is None:
        signed = notary.sign(organisation, seq, digest, at)
        session.connection().execute(_INSERT_CHECKPOINTS, [_row(signed)])
        notary.witness_on_commit(session, [signed])
    return seq


def _latest_signed(connection: Connection, organisation: str) -> datetime | None:
    """When the organisation's latest checkpoint was signed; None if it has none."""
    return connection.execute(_LATEST_SIGNED, {"organisation": organisation}).scalar()


def _values(item: AuditEvent) -> tuple[str | None, ...]:
    """The event's ``BODY_COLUMNS`` values as stored: the time in UTC (whatever offset it was
    given in, so that windows compare as text), lists as compact JSON, empty as absent."""
    if item.at.utcoffset() is None:
        raise InputError("an audit event's time must carry its UTC offset", field="at")
    encode = ENCODER.encode
    return (
        item.at.astimezone(UTC).isoformat(),
        item.actor,
        item.role,
        item.purpose,
        item.subject or None,
        item.action,
        item.outcome,
        encode(list(item.fields)),
        encode(list(item.categories)),
        encode(list(item.rule_ids)),
        item.request_id or None,
        item.reason or None,
    )


def _checked_body(values: Sequence[str | None]) -> bytes:
    """``body(values)``, refusing values that would make it ambiguous or that are not text."""
    text = SEPARATOR.join(value or "" for value in values)
    if text.count(SEPARATOR) != _FIELD_COUNT - 1 or "\x00" in text:
        raise InputError(
            "an audit event value holds a control character the ledger reserves",
            field="audit_event",
            hint="remove U+001F and U+0000 from actor, purpose, reason and the like",
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError("an audit event value is not valid text", field="audit_event") from exc


def _row(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "organisation_id": checkpoint.organisation,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "signature": checkpoint.signature,
        "signed_at": checkpoint.signed_at,
    }


for _table in (_EVENTS, _HEADS, _CHECKPOINTS):
    event.listen(_table, "after_create", install_for_table)

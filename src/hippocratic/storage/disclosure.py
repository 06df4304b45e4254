"""The disclosure log (S0-54, Art. 15(1)(c), Art. 19, Art. 30(1)(d)): every time a patient's data
left the organisation, to whom, for what, which fields, on what basis and who decided; and the
queue of Art. 19 notices owed to those recipients when the data they received is rectified,
erased or restricted.

A disclosure and its items are append-only: the database refuses UPDATE and DELETE of them
(triggers on both engines, like the audit ledger's), so what was sent stays provable after the
patient's erasure; the free-text reasons (an exemption from telling the patient, the legal
justification) are vault ciphertext under the patient's key and become unreadable with it. An
Art. 19 notice is a task, not a record of history: it is marked sent once.

Every table keys on ``organisation_id`` first (Citus-ready). The read side is set-based SQL:
a patient's recipients, what went out in a window (breach scoping), the disclosures that carried
a changed field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    Connection,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class DisclosureRow(Base):
    __tablename__ = "disclosure"
    __table_args__ = (
        subject_fk(),
        Index("ix_disclosure_subject", "organisation_id", "subject_id", "at"),
        Index("ix_disclosure_recipient", "organisation_id", "recipient", "at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    disclosure_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(64))
    """The policy's recipient key."""
    party: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Who exactly, where the recipient is a kind (the referrer on the referral, the
    organisation named in a discretionary share): an organisation or a professional."""
    purpose: Mapped[str] = mapped_column(String(64))
    basis: Mapped[str] = mapped_column(String(120))
    """The purpose's lawful basis (Art. 6) and, for health data, its Art. 9 condition."""
    channel: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Instant)
    related: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """The record it concerns, as ``kind:id`` (``referral:<id>``)."""
    patient_told_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """When the patient was told of this share before it was made (S0-56)."""
    exemption: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Why the patient was not told (e.g. DPA 2018 Sch. 2 Pt 1 para 2), sealed."""
    agreed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """When the patient agreed to this share, naming recipient and data (S0-57)."""
    justification: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The legal reason (a court order, a statute) or a fraud check's justification, sealed."""
    audit_seq: Mapped[int] = mapped_column(Integer)
    """The audit event of the guard's decision that allowed it."""


class DisclosureItemRow(Base):
    """One field a disclosure carried, with its category: what Art. 19 and breach scoping match."""

    __tablename__ = "disclosure_item"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organisation_id", "disclosure_id"],
            ["disclosure.organisation_id", "disclosure.disclosure_id"],
        ),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    disclosure_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64))


class DisclosureReleaseRow(Base):
    """A de-identified release from the store (``release from-store``): to whom, for what, which
    fields and categories went out, and how many patients' rows. Each released patient also has
    a ``DisclosureRow`` naming it (``related`` = ``release:<id>``), so their access package and
    breach scoping see it like any other disclosure."""

    __tablename__ = "disclosure_release"
    __table_args__ = (
        Index("ix_disclosure_release_recipient", "organisation_id", "recipient", "at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    release_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    project: Mapped[str] = mapped_column(String(120))
    fields: Mapped[str] = mapped_column(Text)
    """The policy fields released (generalised or kept), as a compact JSON array."""
    categories: Mapped[str] = mapped_column(Text)
    subjects: Mapped[int] = mapped_column(Integer)
    """How many patients' rows went out (after suppression)."""
    k: Mapped[int] = mapped_column(Integer)
    opted_out: Mapped[int] = mapped_column(Integer)
    """Patients left out under the national data opt-out (L-14)."""
    decided_by: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Instant)
    audit_seq: Mapped[int] = mapped_column(Integer)
    """The ledger's ``release.made`` event."""


class Art19NoticeRow(Base):
    """A notice owed to a recipient (Art. 19): the data it received was changed."""

    __tablename__ = "art19_notice"
    __table_args__ = (
        subject_fk(),
        ForeignKeyConstraint(
            ["organisation_id", "disclosure_id"],
            ["disclosure.organisation_id", "disclosure.disclosure_id"],
        ),
        Index("ix_art19_notice_queue", "organisation_id", "sent_at", "created_at"),
        Index("ix_art19_notice_disclosure", "organisation_id", "disclosure_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    disclosure_id: Mapped[str] = mapped_column(String(36))
    subject_id: Mapped[str] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(16))
    """``rectification``, ``erasure`` or ``restriction``."""
    fields: Mapped[str] = mapped_column(Text)
    """The changed fields the recipient had received, as a compact JSON array."""
    source: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """What changed them (``rights_request:<id>``)."""
    created_at: Mapped[datetime] = mapped_column(Instant)
    sent_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


APPEND_ONLY = ("disclosure", "disclosure_item")
RELEASES = "disclosure_release"
"""Append-only too, from migration 0016 on (``install_triggers(connection, [RELEASES])``)."""
_SQLITE_REFUSE = "SELECT RAISE(ABORT, 'disclosures are append-only')"
SQLITE_TRIGGERS = {
    table: [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN {_SQLITE_REFUSE}; END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN {_SQLITE_REFUSE}; END",
    ]
    for table in (*APPEND_ONLY, RELEASES)
}
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION disclosure_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'disclosures are append-only'; END; $$ LANGUAGE plpgsql"
)
POSTGRESQL_TRIGGERS = {
    table: [
        _PG_FUNCTION,
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION disclosure_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION disclosure_append_only()",
    ]
    for table in (*APPEND_ONLY, RELEASES)
}
TRIGGERS = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}
FUNCTION = "disclosure_append_only()"


def install_triggers(connection: Connection, tables: Iterable[str] = APPEND_ONLY) -> None:
    """The append-only triggers of ``tables`` (the models' ``after_create`` and the migration)."""
    for table in tables:
        for statement in TRIGGERS.get(connection.dialect.name, {}).get(table, []):
            connection.exec_driver_sql(statement)


def _after_create(table: object, connection: Connection, **_: object) -> None:
    install_triggers(connection, [getattr(table, "name", "")])


for _table in (
    DisclosureRow.__table__,
    DisclosureItemRow.__table__,
    DisclosureReleaseRow.__table__,
):
    event.listen(_table, "after_create", _after_create)


def encode_fields(fields: Sequence[str]) -> str:
    return json.dumps(list(fields), separators=(",", ":"))


def decode_fields(text: str) -> list[str]:
    found = json.loads(text)
    return [str(item) for item in found] if isinstance(found, list) else []


def items_of(session: Session, organisation: str, ids: Sequence[str]) -> dict[str, list[str]]:
    """The fields each of ``ids`` carried, in one query."""
    found: dict[str, list[str]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(DisclosureItemRow.disclosure_id, DisclosureItemRow.field)
        .where(
            DisclosureItemRow.organisation_id == organisation,
            DisclosureItemRow.disclosure_id.in_(list(ids)),
        )
        .order_by(DisclosureItemRow.disclosure_id, DisclosureItemRow.field)
    )
    for disclosure_id, field in rows:
        found.setdefault(disclosure_id, []).append(field)
    return found


def of_subject(organisation: str, subject: str) -> Select[DisclosureRow]:
    """A patient's disclosures, newest first."""
    return (
        select(DisclosureRow)
        .where(DisclosureRow.organisation_id == organisation, DisclosureRow.subject_id == subject)
        .order_by(DisclosureRow.at.desc(), DisclosureRow.disclosure_id.desc())
    )


def in_window(
    organisation: str, start: datetime, end: datetime, recipient: str | None = None
) -> Select[DisclosureRow]:
    """Everything disclosed from ``start`` (inclusive) to ``end`` (exclusive), optionally to
    one recipient: the patients a recipient's breach may touch."""
    query = select(DisclosureRow).where(
        DisclosureRow.organisation_id == organisation,
        DisclosureRow.at >= start,
        DisclosureRow.at < end,
    )
    if recipient is not None:
        query = query.where(DisclosureRow.recipient == recipient)
    return query.order_by(DisclosureRow.at, DisclosureRow.disclosure_id)


def carrying(
    session: Session,
    organisation: str,
    subject: str,
    fields: Sequence[str] | None,
    categories: Sequence[str] | None = None,
) -> dict[str, tuple[str, list[str]]]:
    """The subject's disclosures that carried any of ``fields`` or any field of
    ``categories`` (every disclosure if both are None): each disclosure id with its recipient
    and the matching fields, from one query."""
    query = (
        select(DisclosureRow.disclosure_id, DisclosureRow.recipient, DisclosureItemRow.field)
        .join(
            DisclosureItemRow,
            (DisclosureItemRow.organisation_id == DisclosureRow.organisation_id)
            & (DisclosureItemRow.disclosure_id == DisclosureRow.disclosure_id),
        )
        .where(DisclosureRow.organisation_id == organisation, DisclosureRow.subject_id == subject)
        .order_by(DisclosureRow.at, DisclosureRow.disclosure_id, DisclosureItemRow.field)
    )
    if fields is not None or categories is not None:
        query = query.where(
            DisclosureItemRow.field.in_(list(fields or ()))
            | DisclosureItemRow.category.in_(list(categories or ()))
        )
    found: dict[str, tuple[str, list[str]]] = {}
    for disclosure_id, recipient, field in session.execute(query):
        found.setdefault(disclosure_id, (recipient, []))[1].append(field)
    return found


def notices(organisation: str, *, pending_only: bool = True) -> Select[Art19NoticeRow]:
    """The Art. 19 notices, oldest first: those not yet sent, or all."""
    query = select(Art19NoticeRow).where(Art19NoticeRow.organisation_id == organisation)
    if pending_only:
        query = query.where(Art19NoticeRow.sent_at.is_(None))
    return query.order_by(Art19NoticeRow.created_at, Art19NoticeRow.notice_id)


def queue_notices(
    session: Session,
    organisation: str,
    subject: str,
    change: str,
    fields: Sequence[str] | None,
    source: str | None,
    now: datetime,
    *,
    categories: Sequence[str] | None = None,
) -> list[Art19NoticeRow]:
    """Queue an Art. 19 notice of ``change`` for every recipient that received any of
    ``fields`` or of ``categories`` (every recipient of the subject's data if both are None),
    in the caller's transaction. A notice of the same change still waiting for the same
    disclosure takes the new fields instead of a second notice."""
    disclosed = carrying(session, organisation, subject, fields, categories)
    if not disclosed:
        return []
    waiting = {
        row.disclosure_id: row
        for row in session.scalars(
            select(Art19NoticeRow).where(
                Art19NoticeRow.organisation_id == organisation,
                Art19NoticeRow.subject_id == subject,
                Art19NoticeRow.change == change,
                Art19NoticeRow.sent_at.is_(None),
            )
        )
    }
    queued: list[Art19NoticeRow] = []
    for disclosure_id, (recipient, matched) in disclosed.items():
        row = waiting.get(disclosure_id)
        if row is not None:
            row.fields = encode_fields(sorted({*decode_fields(row.fields), *matched}))
            queued.append(row)
            continue
        row = Art19NoticeRow(
            organisation_id=organisation,
            notice_id=str(uuid.uuid4()),
            disclosure_id=disclosure_id,
            subject_id=subject,
            recipient=recipient,
            change=change,
            fields=encode_fields(matched),
            source=source,
            created_at=now,
        )
        session.add(row)
        queued.append(row)
    return queued

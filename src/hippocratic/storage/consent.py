"""The consent ledger: every grant and withdrawal as an append-only event, bound into the
audit chain, and the current state per subject, purpose and channel kept beside it.

Each ``consent_event`` row holds what Art. 7(1) needs the organisation to show: the words the
person saw (and their SHA-256), the notice version in force, the terms of the purpose, the
method, how the question was put, who recorded it and the evidence (sealed under the patient's
key). Its digest is written on the audit event recorded in the same transaction
(``binding``), so the audit chain's hashes and signed checkpoints protect the consent history
too: an edited, deleted or inserted consent event no longer matches its ledger event
(``storage.consent_verify``). The table refuses UPDATE and DELETE like the audit ledger.

``consent_state`` is a projection: the latest event per (subject, purpose, channel), written in
the same transaction as the event, so the guard reads one row by primary key and a withdrawal
holds for the very next decision. It can always be rebuilt from the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from hashlib import sha256

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.ledger_triggers import install_for_table
from hippocratic.storage.subject import subject_fk

NO_CHANNEL = ""
"""The channel of a consent that is not per channel (call recording, profiling)."""
DOMAIN = b"hippocratic-consent\x1f"


class ConsentEventRow(Base):
    __tablename__ = "consent_event"
    __table_args__ = (
        subject_fk(),
        Index("ix_consent_event_subject", "organisation_id", "subject_id"),
        Index("ix_consent_event_audit", "organisation_id", "audit_seq", unique=True),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(Instant)
    wording: Mapped[str] = mapped_column(Text)
    """The exact words the person was shown (for a withdrawal: the purpose's words in force)."""
    wording_sha256: Mapped[str] = mapped_column(String(64))
    terms_sha256: Mapped[str] = mapped_column(String(64))
    """``Purpose.consent_terms`` when it was given: what the person agreed to."""
    notice_version: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    presentation: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_role: Mapped[str] = mapped_column(String(64))
    """The staff member's role, or ``patient`` when the person acted themselves."""
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """What shows the choice (a form reference, the call), sealed under the patient's key."""
    service: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """For a soft opt-in: the service bought or discussed when the opt-out was offered."""
    expires_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    audit_seq: Mapped[int] = mapped_column(Integer)
    """The audit event that carries this event's digest."""


class ConsentStateRow(Base):
    """The latest consent event per subject, purpose and channel."""

    __tablename__ = "consent_state"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    terms_sha256: Mapped[str] = mapped_column(String(64))
    """Empty for a state carried over from before the ledger: it counts for nothing until the
    person confirms it again."""
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


def live_state(
    organisation: object,
    subject: object,
    purpose: object,
    at: object,
    terms: object,
    channel: str | None = None,
) -> ColumnElement[bool]:
    """True where a current state gives consent to ``purpose`` (on ``channel``, or on any
    channel when None), not lapsed at ``at``, standing on one of ``terms``. The operands are
    values or SQL expressions (columns, bound parameters)."""
    conditions = [
        ConsentStateRow.organisation_id == organisation,
        ConsentStateRow.subject_id == subject,
        ConsentStateRow.purpose == purpose,
        ConsentStateRow.given.is_(True),
        or_(ConsentStateRow.expires_at.is_(None), ConsentStateRow.expires_at > at),
        ConsentStateRow.terms_sha256.in_(terms),  # type: ignore[arg-type]
    ]
    if channel is not None:
        conditions.append(ConsentStateRow.channel == channel)
    return exists().where(*conditions)


def digest(row: ConsentEventRow) -> str:
    """The SHA-256 (hex) of the event's content, in a fixed order; the audit event that
    records it carries this (``binding``)."""
    values = (
        row.event_id,
        row.subject_id,
        row.purpose,
        row.channel,
        row.kind,
        row.at.isoformat(),
        row.wording_sha256,
        sha256(row.wording.encode("utf-8")).hexdigest(),
        row.terms_sha256,
        row.notice_version,
        row.method,
        row.presentation,
        row.recorded_by,
        row.recorded_role,
        sha256(bytes(row.evidence)).hexdigest() if row.evidence is not None else "",
        row.service or "",
        row.expires_at.isoformat() if row.expires_at is not None else "",
    )
    return sha256(DOMAIN + "\x1f".join(values).encode("utf-8")).hexdigest()


def binding(event_id: str, content: str) -> str:
    """The reason written on the audit event of a consent event."""
    return f"consent {event_id} sha256:{content}"


def add(session: Session, row: ConsentEventRow) -> None:
    """Append the event and make it the current state, in the caller's transaction (the audit
    event carrying its digest, appended first, holds the organisation's ledger lock)."""
    session.add(row)
    session.merge(
        ConsentStateRow(
            organisation_id=row.organisation_id,
            subject_id=row.subject_id,
            purpose=row.purpose,
            channel=row.channel,
            kind=row.kind,
            given=row.kind != "withdrawn",
            recorded_at=row.at,
            expires_at=row.expires_at,
            terms_sha256=row.terms_sha256,
            event_id=row.event_id,
        )
    )


def history(session: Session, organisation: str, subject: str) -> list[ConsentEventRow]:
    """Every consent event of the subject, oldest first."""
    return list(
        session.scalars(
            select(ConsentEventRow)
            .where(
                ConsentEventRow.organisation_id == organisation,
                ConsentEventRow.subject_id == subject,
            )
            .order_by(ConsentEventRow.audit_seq)
        )
    )


def states(session: Session, organisation: str, subject: str) -> list[ConsentStateRow]:
    return list(
        session.scalars(
            select(ConsentStateRow)
            .where(
                ConsentStateRow.organisation_id == organisation,
                ConsentStateRow.subject_id == subject,
            )
            .order_by(ConsentStateRow.purpose, ConsentStateRow.channel)
        )
    )


def stale(
    session: Session, organisation: str, accepted: dict[str, Sequence[str]], limit: int
) -> list[ConsentStateRow]:
    """Given consents whose terms are no longer among the purpose's accepted terms (the policy
    changed them, or they predate the ledger): each must be confirmed again before it counts."""
    conditions = [
        ~ConsentStateRow.terms_sha256.in_(list(terms)) & (ConsentStateRow.purpose == purpose)
        for purpose, terms in accepted.items()
    ]
    if not conditions:
        return []
    return list(
        session.scalars(
            select(ConsentStateRow)
            .where(
                ConsentStateRow.organisation_id == organisation,
                ConsentStateRow.given.is_(True),
                or_(*conditions),
            )
            .order_by(ConsentStateRow.recorded_at, ConsentStateRow.subject_id)
            .limit(limit)
        )
    )


event.listen(ConsentEventRow.__table__, "after_create", install_for_table)


def stale_counts(
    session: Session, organisation: str, accepted: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """Per purpose, how many given consents stand on terms outside ``accepted``."""
    counts: dict[str, int] = {}
    for purpose, terms in accepted.items():
        found = session.scalar(
            select(func.count()).where(
                ConsentStateRow.organisation_id == organisation,
                ConsentStateRow.purpose == purpose,
                ConsentStateRow.given.is_(True),
                ~ConsentStateRow.terms_sha256.in_(list(terms)),
            )
        )
        if found:
            counts[purpose] = int(found)
    return counts

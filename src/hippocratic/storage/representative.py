"""Someone acting for a patient in the portal (L-07): a parent for a child, or a third
party with evidence of their authority (a lasting power of attorney, a signed mandate).

- ``representative_authority``: what a member of staff recorded: who, for which patient, which
  actions (the rights they may start, whether they may see the record), the evidence's
  reference, until when, recorded by whom. Who they are, how to reach them and the evidence
  are sealed under the patient's key (an erasure takes them too); the contact is found by its
  blind index when they sign in. Revoking keeps the row.
- ``representative_sign_in_code`` and ``representative_session``: the portal's one-time code
  and session, as for patients (``patient_session``), in tables of their own so that a
  representative's session can never stand for the patient's.

Every table keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


def _authority_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organisation_id", "authority_id"],
        ["representative_authority.organisation_id", "representative_authority.authority_id"],
        name=f"fk_{table}_authority",
    )


class RepresentativeAuthorityRow(Base):
    __tablename__ = "representative_authority"
    __table_args__ = (
        subject_fk(),
        Index("ix_representative_authority_contact", "organisation_id", "contact_index"),
        Index("ix_representative_authority_subject", "organisation_id", "subject_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    """The patient they act for."""
    relationship: Mapped[str] = mapped_column(String(16))
    """``parent`` (parental responsibility for a child) or ``representative``."""
    name: Mapped[bytes] = mapped_column(LargeBinary)
    contact: Mapped[bytes] = mapped_column(LargeBinary)
    """Sealed: their email address, where their sign-in codes go."""
    contact_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    covers: Mapped[str] = mapped_column(Text)
    """What they may do: compact JSON, sorted (rights they may start; ``record`` to see it)."""
    evidence: Mapped[bytes] = mapped_column(LargeBinary)
    """Sealed: the reference of the evidence seen (a birth certificate, an LPA number)."""
    valid_until: Mapped[date] = mapped_column(Date)
    """The last day the authority holds (a child's 18th birthday at the latest for a parent)."""
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    revoked_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class RepresentativeCodeRow(Base):
    """One code sent to a representative: ten minutes, once, five wrong tries at most."""

    __tablename__ = "representative_sign_in_code"
    __table_args__ = (
        _authority_fk("representative_code"),
        Index("ix_representative_code_authority", "organisation_id", "authority_id", "created_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(36))
    code_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class RepresentativeSessionRow(Base):
    """A representative signed in: idle and absolute time-outs as for patients."""

    __tablename__ = "representative_session"
    __table_args__ = (_authority_fk("representative_session"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_seen_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    ended_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


def authority_row(
    session: Session, organisation: str, authority_id: str
) -> RepresentativeAuthorityRow | None:
    return session.get(RepresentativeAuthorityRow, (organisation, authority_id))

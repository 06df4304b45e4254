"""How patients sign in to the portal: one-time codes sent to the email address or mobile
number on their record, and the sessions those codes start.

Nothing here signs anybody in from a copy of the database. A code is kept only as an
HMAC-SHA256 keyed by a secret of the organisation held in the key store (a six-digit code's
plain hash would fall to a brute force offline); the code's row is named by the SHA-256 of the
random token in the browser's cookie; a session is stored only as the SHA-256 of its token.
Every table keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class PatientSignInCodeRow(Base):
    """One code sent to a patient: good for ten minutes, once, and for five wrong tries."""

    __tablename__ = "patient_sign_in_code"
    __table_args__ = (
        subject_fk(),
        Index("ix_patient_sign_in_code_subject", "organisation_id", "subject_id", "created_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The SHA-256 (hex) of the token in the browser that asked for the code."""
    subject_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(8))
    """``email`` or ``phone``: where the code went (never the address itself)."""
    code_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Wrong codes given so far: at the limit the code is good for nothing."""
    used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class PatientSessionRow(Base):
    """A patient signed in to the portal: idle and absolute time-outs as for staff."""

    __tablename__ = "patient_session"
    __table_args__ = (
        subject_fk(),
        Index("ix_patient_session_subject", "organisation_id", "subject_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_seen_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    """The absolute time-out, whatever the activity."""
    ended_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)

"""Patients' passkeys (WebAuthn): an alternative to the emailed code for signing in to the
portal, registered by a patient already signed in.

The server keeps each credential's public key and signature counter, never a secret. Each
ceremony's challenge is a row of its own, named by the SHA-256 of a random token held in the
browser's cookie, good once and for five minutes. Every table keys on ``organisation_id``
first (Citus-ready).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class PatientPasskeyRow(Base):
    __tablename__ = "patient_passkey"
    __table_args__ = (
        subject_fk(),
        Index("ix_patient_passkey_subject", "organisation_id", "subject_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(1400), primary_key=True)
    """Base64url, as the browser sends it."""
    subject_id: Mapped[str] = mapped_column(String(36))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class PatientPasskeyChallengeRow(Base):
    """One ceremony's challenge: a registration (for the signed-in ``subject_id``) or a
    sign-in (no subject yet: the passkey says who it is)."""

    __tablename__ = "patient_passkey_challenge"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The SHA-256 (hex) of the token in the browser's cookie."""
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64))
    expires_at: Mapped[datetime] = mapped_column(Instant)
    used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)

"""Staff accounts and how they prove who they are: passwords (argon2id hashes), TOTP secrets
(sealed by the organisation's staff-secrets key), passkeys, sessions and API tokens.

Session and API tokens are stored only as SHA-256 hashes: a copy of the database signs nobody
in. Every table keys on ``organisation_id`` first (Citus-ready); a username is unique within
its organisation.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant


def staff_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organisation_id", "username"], ["staff.organisation_id", "staff.username"]
    )


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(Text)
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    """The last TOTP time step accepted: a code is good once (RFC 6238 s.5.2)."""
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    confidentiality_signed_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    """When the member of staff signed the confidentiality agreement (L-13)."""
    training_completed_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    """When they last completed data-security training; valid for the policy's
    ``staff.training_valid_months`` (L-13)."""


class PasskeyRow(Base):
    """A WebAuthn credential registered by a staff member, usable as their second factor."""

    __tablename__ = "staff_passkey"
    __table_args__ = (staff_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(1400), primary_key=True)
    """Base64url, as the browser sends it."""
    username: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class StaffSessionRow(Base):
    __tablename__ = "staff_session"
    __table_args__ = (staff_fk(), Index("ix_staff_session_user", "organisation_id", "username"))

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_seen_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    """The absolute time-out, whatever the activity."""
    second_factor_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """None until the second factor is given: such a session reaches only sign-in pages."""
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The pending WebAuthn challenge, used once."""
    revoked_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class ApiTokenRow(Base):
    """A token for an integration: one role in one organisation, shown once, revocable."""

    __tablename__ = "api_token"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    label: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Instant)
    revoked_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)

"""The current consent state per subject and purpose (the consent ledger arrives later and will
implement the guard's ``ConsentStore`` over its own history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class ConsentRow(Base):
    __tablename__ = "consent"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """Consent that lapses (e.g. a campaign's window) is no longer live after this time."""

"""A patient's record: one row per (subject, field), so the policy, not the schema, decides
which fields exist.

Identity and special-category values are vault ciphertext (``ciphertext``, bound to
organisation, subject and field); identifier fields also carry a keyed blind index for
exact-match search; other values are plain text (``value``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class SubjectFieldRow(Base):
    __tablename__ = "subject_field"
    __table_args__ = (
        subject_fk(),
        Index("ix_subject_field_blind_index", "organisation_id", "field", "blind_index"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    blind_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    verified_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """When the patient last gave or confirmed this value (S0-118): a value written is a value
    given; a contact detail confirmed unchanged at a booking moves this, not ``updated_at``."""

"""Organisations, data subjects and their field values.

Field values live one row per (subject, field), so the policy, not the schema, decides which
fields exist. Identity and special-category values are vault ciphertext (``ciphertext``);
identifiers also carry a keyed blind index for exact-match search; other values are plain text.
Every table has ``organisation_id`` leading its primary key (Citus-ready, invariant 4).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base


class OrganisationRow(Base):
    __tablename__ = "organisation"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    policy_yaml: Mapped[str] = mapped_column(Text)
    policy_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubjectRow(Base):
    __tablename__ = "subject"
    __table_args__ = (ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    """Art. 18: processing restricted; the data may only be stored."""


class SubjectFieldRow(Base):
    __tablename__ = "subject_field"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
        ),
        Index("ix_subject_field_blind_index", "organisation_id", "field", "blind_index"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    blind_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

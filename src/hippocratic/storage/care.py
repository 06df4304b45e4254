"""Who may see a patient beyond the policy's roles: care relationships, break-glass grants, and
the DPO's review items that every break-glass use creates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class CareRelationshipRow(Base):
    __tablename__ = "care_relationship"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Instant)
    ended_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class BreakGlassRow(Base):
    """Emergency access to one patient by one actor: a reason and an expiry, always."""

    __tablename__ = "break_glass"
    __table_args__ = (
        subject_fk(),
        Index("ix_break_glass_actor", "organisation_id", "subject_id", "actor"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor: Mapped[str] = mapped_column(String(128))
    subject_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)


class ReviewItemRow(Base):
    """Something the DPO must look at, e.g. every break-glass use."""

    __tablename__ = "review_item"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Instant)
    resolved_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    """What the DPO found: justified, or not and what was done about it."""

"""Collection records: which privacy notice was presented at each capture (S0-06), and the
Art. 14 tasks that data obtained from someone else opens (S0-18)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class NoticePresentationRow(Base):
    """Before data was taken through ``form``, notice ``notice_version`` was put in front of
    the person, on ``channel``, by ``presented_by`` (the patient themselves on the web)."""

    __tablename__ = "notice_presentation"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    presentation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    form: Mapped[str] = mapped_column(String(64))
    notice_version: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    presented_by: Mapped[str] = mapped_column(String(128))
    presented_at: Mapped[datetime] = mapped_column(Instant)


class Art14TaskRow(Base):
    """Tell the patient about data obtained from someone else, by ``due_on`` (Art. 14(3))."""

    __tablename__ = "art14_task"
    __table_args__ = (
        subject_fk(),
        Index("ix_art14_task_open", "organisation_id", "done_at", "due_on"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(16))
    """Who gave the data: ``referrer`` or ``third_party``."""
    obtained_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_reason: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    """How the patient was told, or the Art. 14(5) exemption relied on and why."""

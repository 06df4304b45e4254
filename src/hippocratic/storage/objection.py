"""Upheld objections (Art. 21(1)): a patient objected to one purpose resting on legitimate
interests or a public task, and the DPO found no compelling grounds to go on, so nothing more
is done with their data for that purpose. One row per patient and purpose, naming the request
and who decided; the guard reads it on every decision and in every list (``objected``).
The table keys on ``organisation_id`` first (Citus-ready)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, exists
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant, Operand
from hippocratic.storage.subject import subject_fk


class ObjectionRow(Base):
    __tablename__ = "upheld_objection"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))
    upheld_at: Mapped[datetime] = mapped_column(Instant)
    upheld_by: Mapped[str] = mapped_column(String(128))


def objected(
    organisation: Operand[str], subject: Operand[str], purpose: Operand[str]
) -> ColumnElement[bool]:
    """Whether the subject's objection to ``purpose`` was upheld: a condition for one decision
    and for a list alike."""
    return exists().where(
        ObjectionRow.organisation_id == organisation,
        ObjectionRow.subject_id == subject,
        ObjectionRow.purpose == purpose,
    )

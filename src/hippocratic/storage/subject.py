"""Data subjects (patients): one row each, within their organisation, with the Art. 18 flag.

Every table has ``organisation_id`` leading its primary key, and every foreign key includes it
(Citus-ready, invariant 4). ``subject_fk`` is the foreign key every per-subject table uses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant


def subject_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organisation_id", "subject_id"], ["subject.organisation_id", "subject.subject_id"]
    )


class SubjectRow(Base):
    __tablename__ = "subject"
    __table_args__ = (ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    """Art. 18: processing restricted; the data may only be stored."""

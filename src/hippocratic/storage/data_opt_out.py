"""The NHS national data opt-out as a recorded fact per patient (L-14): whether the patient has
opted out of their confidential information being used for research and planning, since when,
who recorded it and from what (the patient telling us, a check against the NHS spine service).

One row per patient, replaced when it changes; the history of changes is the audit ledger's,
where every recording is an event. Releases for a research or planning purpose leave out every
patient whose row says ``opted_out``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class DataOptOutRow(Base):
    __tablename__ = "data_opt_out"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    recorded_by: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(200))
    """How we know: "told reception", "spine check 2026-12-01", and the like."""


def opted_out(organisation: str) -> Select[str]:
    """The subject ids of every patient here who has opted out: a subquery for a release."""
    return select(DataOptOutRow.subject_id).where(
        DataOptOutRow.organisation_id == organisation, DataOptOutRow.opted_out.is_(True)
    )

"""The security log of sign-in attempts (S0-10): when, from which IP address, for which
account, and whether it worked. It is the only place Hippocratic keeps a full IP address; it is
for security alone (spotting password guessing, answering an incident), it names no patient
and joins nothing that does, and its entries are deleted ``access_log.ip_retention_days`` after
they were written (``purge``, run by the daily jobs). The request log keeps no address at all.

Keyed on ``organisation_id`` first (Citus-ready); the purge is one DELETE in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant


class AccessLogRow(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),
        Index("ix_access_log_at", "organisation_id", "at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant)
    address: Mapped[str] = mapped_column(String(45))
    """The full IP address the attempt came from (IPv6 at most 45 characters)."""
    action: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    """The staff account named, as typed (it may not exist): never a patient."""
    outcome: Mapped[str] = mapped_column(String(16))


def purge(session: Session, organisation: str, before: datetime) -> int:
    """Delete every entry written before ``before``; returns how many."""
    result = session.execute(
        delete(AccessLogRow)
        .where(AccessLogRow.organisation_id == organisation, AccessLogRow.at < before)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

"""The link between an incident and the access-package release it is about: a package that
went to the wrong person or held too much. What the release disclosed (the patient, the
categories of their data, when and to whom it went) is copied here from the release when the
incident is reported, never typed in, so the breach register says exactly who and what.

The row holds the patient's pseudonymous id and category keys only, no personal values; it
keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class IncidentReleaseRow(Base):
    __tablename__ = "incident_release"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organisation_id", "incident_id"],
            ["incident.organisation_id", "incident.incident_id"],
        ),
        subject_fk(),
        Index("ix_incident_release_request", "organisation_id", "request_id", unique=True),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))
    """The rights request whose package was released wrongly: one incident per release."""
    subject_id: Mapped[str] = mapped_column(String(36))
    fault: Mapped[str] = mapped_column(String(16))
    """``wrong_recipient`` (it went to the wrong person) or ``too_much`` (it held too much)."""
    recipient: Mapped[str] = mapped_column(String(16))
    """Who the release was addressed to: ``subject``, ``requester`` or ``controller``."""
    released_at: Mapped[datetime] = mapped_column(Instant)
    categories: Mapped[str] = mapped_column(Text)
    """The category keys of the data the package disclosed: compact JSON, sorted."""
    records: Mapped[str] = mapped_column(Text)
    """The package's record sections and how many records each: compact JSON."""


def release_of(session: Session, organisation: str, incident: str) -> IncidentReleaseRow | None:
    """The release an incident is about, or None for any other incident."""
    return session.get(IncidentReleaseRow, (organisation, incident))


def incident_for(session: Session, organisation: str, request: str) -> str | None:
    """The incident already opened about this request's release, if there is one."""
    return session.scalar(
        select(IncidentReleaseRow.incident_id).where(
            IncidentReleaseRow.organisation_id == organisation,
            IncidentReleaseRow.request_id == request,
        )
    )

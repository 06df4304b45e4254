"""The breach register (UK GDPR Art. 33(5)): incidents, the DPO's decisions on them, the ICO
report in its phases, the letters to affected patients, and the access anomalies that may lead
to an incident.

- ``incident``: what was reported, by whom, when the organisation became aware (the 72-hour
  clock runs from there), where the report came from (staff, a processor, an anomaly) and the
  scope that finds the affected patients in the logs (a time window, an actor, a recipient).
- ``incident_decision``: append-only; every assessment, "not reportable" included, with its
  reason. The latest decision is the one in force; earlier ones stay as the record.
- ``incident_report``: the ICO report (Art. 33(3)) drafted in phases (Art. 33(4)); a phase is
  a draft until it is marked sent.
- ``incident_letter``: the Art. 34 letter to one affected patient, sealed under their key (so
  erasing the patient shreds it with the rest of their data).
- ``access_anomaly``: something unusual found in the audit ledger, for the DPO to dismiss (with
  a reason) or to turn into an incident.

An incident's description and the report's text are about the incident, not about a patient,
and are kept in the clear for the register; what is about one patient (their letter) is sealed.
Every key leads with ``organisation_id`` (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


def _incident_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organisation_id", "incident_id"], ["incident.organisation_id", "incident.incident_id"]
    )


class IncidentRow(Base):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_status", "organisation_id", "status", "aware_at"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reported_by: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime] = mapped_column(Instant)
    aware_at: Mapped[datetime] = mapped_column(Instant)
    """When the organisation became aware: the 72-hour clock starts here (Art. 33(1))."""
    source: Mapped[str] = mapped_column(String(16))
    """``staff``, ``processor`` (a processor told us, Art. 33(2)) or ``anomaly``."""
    processor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    scope_actor: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """Whose accesses the incident concerns (a lost laptop, a misused account)."""
    scope_recipient: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """To whom data went wrongly (read from the disclosure log)."""
    status: Mapped[str] = mapped_column(String(16))
    """``open``, ``assessed``, ``reported`` (to the ICO) or ``closed``."""
    owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """Who on the incident team owns it (S1-25): none yet, and it cannot be assessed."""
    owned_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    closing_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class IncidentDecisionRow(Base):
    """One assessment by the DPO; never updated, the latest one stands."""

    __tablename__ = "incident_decision"
    __table_args__ = (_incident_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    breach: Mapped[str] = mapped_column(String(16))
    """``confirmed``, ``likely`` or ``none`` (not a personal data breach)."""
    assessment: Mapped[str] = mapped_column(String(16))
    """``no_risk``, ``risk`` or ``high_risk`` to people's rights and freedoms."""
    notify_ico: Mapped[bool] = mapped_column(Boolean)
    notify_subjects: Mapped[bool] = mapped_column(Boolean)
    encryption_exception: Mapped[bool] = mapped_column(Boolean)
    """The data was unintelligible to whoever got it (encrypted, or its key shredded):
    Art. 34(3)(a)."""
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(Instant)


class IncidentReportRow(Base):
    """One phase of the report to the ICO, with the fields Art. 33(3) asks for."""

    __tablename__ = "incident_report"
    __table_args__ = (_incident_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phase: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nature: Mapped[str] = mapped_column(Text)
    categories: Mapped[str] = mapped_column(Text)
    """The categories of personal data concerned and how many patients each: compact JSON,
    computed from the logs when the phase was drafted."""
    subjects_approx: Mapped[int] = mapped_column(Integer)
    records_approx: Mapped[int] = mapped_column(Integer)
    dpo_contact: Mapped[str] = mapped_column(Text)
    consequences: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    delay_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the report is later than 72 hours (Art. 33(1)); required then."""
    drafted_by: Mapped[str] = mapped_column(String(128))
    drafted_at: Mapped[datetime] = mapped_column(Instant)
    sent_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class IncidentLetterRow(Base):
    """The Art. 34 letter to one affected patient, sealed under the patient's key."""

    __tablename__ = "incident_letter"
    __table_args__ = (
        _incident_fk(),
        subject_fk(),
        Index("ix_incident_letter_subject", "organisation_id", "subject_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    letter: Mapped[bytes] = mapped_column(LargeBinary)
    drafted_by: Mapped[str] = mapped_column(String(128))
    drafted_at: Mapped[datetime] = mapped_column(Instant)


class AccessAnomalyRow(Base):
    """One unusual pattern in the ledger: an actor's day, of one kind, found once."""

    __tablename__ = "access_anomaly"
    __table_args__ = (Index("ix_access_anomaly_open", "organisation_id", "resolved_at"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    anomaly_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """Derived from (kind, actor, day): scanning the same day again finds the same anomaly."""
    kind: Mapped[str] = mapped_column(String(16))
    """``volume``, ``out_of_hours`` or ``break_glass``."""
    actor: Mapped[str] = mapped_column(String(128))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(Instant)
    resolved_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    incident_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """The incident it was turned into, if it was."""


def latest_decision(
    session: Session, organisation: str, incident: str
) -> IncidentDecisionRow | None:
    """The decision in force on an incident (its latest), or None before any."""
    return session.scalars(
        select(IncidentDecisionRow)
        .where(
            IncidentDecisionRow.organisation_id == organisation,
            IncidentDecisionRow.incident_id == incident,
        )
        .order_by(IncidentDecisionRow.number.desc())
        .limit(1)
    ).first()


def reports(session: Session, organisation: str, incident: str) -> list[IncidentReportRow]:
    """The incident's ICO report phases, first phase first."""
    return list(
        session.scalars(
            select(IncidentReportRow)
            .where(
                IncidentReportRow.organisation_id == organisation,
                IncidentReportRow.incident_id == incident,
            )
            .order_by(IncidentReportRow.phase)
        )
    )


def first_sent(session: Session, organisation: str, incident: str) -> datetime | None:
    """When the first phase of the ICO report was sent (what stops the 72-hour clock)."""
    return session.scalar(
        select(func.min(IncidentReportRow.sent_at)).where(
            IncidentReportRow.organisation_id == organisation,
            IncidentReportRow.incident_id == incident,
        )
    )

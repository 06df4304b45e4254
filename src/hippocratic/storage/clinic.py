"""A clinic's records, many per patient: appointments, referrals, clinical entries,
communications, payments and cases (enquiries and complaints).

Each personal value is a column of vault ciphertext under the patient's key, bound to the
record it belongs to (see ``record_field``); what the database can read in the clear is only
what the guard's scope and the worklist need to filter and order on: times, statuses, the
clinician, the record's kind. Every table keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


def appointment_fk() -> ForeignKeyConstraint:
    """A record made at an appointment points at it (nullable: not every record is)."""
    return ForeignKeyConstraint(
        ["organisation_id", "appointment_id"],
        ["appointment.organisation_id", "appointment.appointment_id"],
    )


def record_field(field: str, record: str) -> str:
    """The vault binding of a value: its policy field and the record holding it, so a value
    copied into another record (even the same patient's) fails to open."""
    return f"{field}@{record}"


class AppointmentRow(Base):
    __tablename__ = "appointment"
    __table_args__ = (
        subject_fk(),
        Index("ix_appointment_starts", "organisation_id", "starts_at", "appointment_id"),
        Index("ix_appointment_subject", "organisation_id", "subject_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    service: Mapped[bytes] = mapped_column(LargeBinary)
    starts_at: Mapped[datetime] = mapped_column(Instant)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    clinician: Mapped[str | None] = mapped_column(String(128), nullable=True)
    booked_at: Mapped[datetime] = mapped_column(Instant)
    booked_by: Mapped[str] = mapped_column(String(128))
    referral_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """The referral this appointment answers, so its report goes back to the referrer."""
    presentation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Instant)


class ReferralRow(Base):
    __tablename__ = "referral"
    __table_args__ = (subject_fk(), Index("ix_referral_subject", "organisation_id", "subject_id"))

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    referrer_kind: Mapped[str] = mapped_column(String(16))
    referrer: Mapped[bytes] = mapped_column(LargeBinary)
    letter: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(Instant)
    received_by: Mapped[str] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    clinician: Mapped[str | None] = mapped_column(String(128), nullable=True)
    presentation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class ClinicalEntryRow(Base):
    """A clinical entry is never overwritten: an amendment is a new entry that supersedes it."""

    __tablename__ = "clinical_entry"
    __table_args__ = (
        subject_fk(),
        appointment_fk(),
        Index("ix_clinical_entry_subject", "organisation_id", "subject_id", "created_at"),
        Index("ix_clinical_entry_appointment", "organisation_id", "appointment_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    """The policy field this entry is (scan report, medical history, ...)."""
    content: Mapped[bytes] = mapped_column(LargeBinary)
    appointment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Instant)
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True)


class CommunicationRow(Base):
    __tablename__ = "communication"
    __table_args__ = (
        subject_fk(),
        Index("ix_communication_subject", "organisation_id", "subject_id", "occurred_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    communication_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(64))
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    recording: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    recording_notice_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(Instant)
    recorded_by: Mapped[str] = mapped_column(String(128))


class PaymentRow(Base):
    """A processor's token and the card's last four digits: never the card number."""

    __tablename__ = "payment"
    __table_args__ = (
        subject_fk(),
        appointment_fk(),
        Index("ix_payment_subject", "organisation_id", "subject_id"),
        Index("ix_payment_appointment", "organisation_id", "appointment_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    appointment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    method: Mapped[bytes] = mapped_column(LargeBinary)
    processor_token: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    card_last_four: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    bank_details: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[datetime] = mapped_column(Instant)
    taken_by: Mapped[str] = mapped_column(String(128))


class CaseRow(Base):
    """An enquiry or a complaint, with the dates the law or the clinic sets for it."""

    __tablename__ = "clinic_case"
    __table_args__ = (
        subject_fk(),
        Index("ix_clinic_case_open", "organisation_id", "status", "received_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(Instant)
    received_by: Mapped[str] = mapped_column(String(128))
    acknowledge_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    outcome: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    presentation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

"""Data-subject rights requests: each request as it arrived and every step taken on it, the
pauses of its clock, and what was held back from its answer and why.

What the database holds in the clear is what the DPO's queue filters and sorts on (the right,
the channel, the status, the dates, who acted); what the requester wrote, who they are when
they act for someone else, their evidence and every reason given are sealed under the
patient's key, so an erasure by crypto-shredding takes them too. Every table keys on
``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class RightsRequestRow(Base):
    __tablename__ = "rights_request"
    __table_args__ = (
        subject_fk(),
        Index("ix_rights_request_queue", "organisation_id", "status", "due"),
        Index("ix_rights_request_subject", "organisation_id", "subject_id", "received_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    right: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(Instant)
    recorded_by: Mapped[str] = mapped_column(String(128))
    requester: Mapped[str] = mapped_column(String(16))
    """``self``, ``parent`` or ``representative``: who is asking."""
    requester_name: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    authority: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed: the evidence that a parent or representative may act, and how far."""
    detail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    duplicate_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    identity_required: Mapped[bool] = mapped_column(Boolean)
    identity_rule: Mapped[str] = mapped_column(String(200))
    """Why identity evidence was or was not needed, in the policy's terms."""
    identity_verified_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    identity_verified_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    identity_evidence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    fee_pence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    extended_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    extension_reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    due: Mapped[date] = mapped_column(Date)
    """The date the answer is due, recomputed whenever a fact of the clock changes."""
    scope_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    scope_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    recipient: Mapped[str] = mapped_column(String(16))
    """Who the answer goes to: ``subject``, ``requester`` (the parent or representative) or
    ``controller`` (portability to another organisation)."""
    package: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed: the answer as built (an access package), so what is released is what was
    checked."""
    built_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    built_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    checked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    outcome: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Sealed: what was done, or why the request was refused."""


class RightsPauseRow(Base):
    """The clock stopped while we wait for information or clarification (Art. 12A)."""

    __tablename__ = "rights_pause"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pause_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    asked: Mapped[str] = mapped_column(String(200))
    """What we asked for (identity evidence, clarification): no personal data."""
    by: Mapped[str] = mapped_column(String(128))


class RightsStepRow(Base):
    """One step taken on a request, successful or failed, with its log: a failed step shows
    on the queue until it is run again and succeeds, so a request never stalls silently."""

    __tablename__ = "rights_step"
    __table_args__ = (Index("ix_rights_step_request", "organisation_id", "request_id", "at"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[int] = mapped_column(Integer)
    """The step's place in the request's log: 1, 2, 3..."""
    name: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(Instant)
    actor: Mapped[str] = mapped_column(String(128))
    log: Mapped[str] = mapped_column(Text)
    """What happened, in words a DPO can act on; never personal data."""


class RightsWithholdingRow(Base):
    """An item held back from an answer, or flagged for redaction, and why: third-party data,
    the serious-harm exemption, a legal reason. The reason is sealed."""

    __tablename__ = "rights_withholding"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(Instant)


class RightsCorrectionRow(Base):
    """A correction made for a rectification request, or a supplementary statement added to a
    disputed clinical entry (which is never overwritten): what it was, what it became, sealed
    under the patient's key, so the history of a corrected value is kept (Art. 16)."""

    __tablename__ = "rights_correction"
    __table_args__ = (Index("ix_rights_correction_subject", "organisation_id", "subject_id", "at"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    """``correction`` of a field, or ``statement`` added to a clinical entry."""
    target: Mapped[str] = mapped_column(String(120))
    """The field corrected, or ``clinical_entry:<id>``."""
    before: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    after: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(Instant)
    by: Mapped[str] = mapped_column(String(128))


class AutomatedDecisionRow(Base):
    """A decision made about a patient by automated means (the policy's ``automated_decision``
    purposes): its inputs, the logic's version and the outcome, sealed; and, once the patient
    asked for it, the human review (Arts. 22A-22D): who reviewed it, the patient's view, and
    what the reviewer decided."""

    __tablename__ = "automated_decision"
    __table_args__ = (
        subject_fk(),
        Index("ix_automated_decision_subject", "organisation_id", "subject_id", "decided_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    purpose: Mapped[str] = mapped_column(String(64))
    logic: Mapped[str] = mapped_column(String(120))
    """The logic and its version, e.g. ``service-score v3``."""
    inputs: Mapped[bytes] = mapped_column(LargeBinary)
    outcome: Mapped[bytes] = mapped_column(LargeBinary)
    decided_at: Mapped[datetime] = mapped_column(Instant)
    decided_by: Mapped[str] = mapped_column(String(128))
    review_request_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    patient_view: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    review_outcome: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

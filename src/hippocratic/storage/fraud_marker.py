"""Fraud markers (S0-53, S0-60): a record that false information was given and fraud is
suspected, with its basis, its evidence, who recorded it and who reviewed it.

The basis, the evidence, a reviewer's note, an exemption's reason and the patient's own
statement are vault ciphertext under the patient's key, bound to the marker (``record_field``);
what the database holds in the clear is only what the lists and the four-eyes rule need: the
marker's status and source, who recorded and reviewed it, and when. The table keys on
``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant
from hippocratic.storage.subject import subject_fk


class FraudMarkerRow(Base):
    __tablename__ = "fraud_marker"
    __table_args__ = (
        subject_fk(),
        Index("ix_fraud_marker_subject", "organisation_id", "subject_id", "recorded_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    marker_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(16))
    """``staff`` (a person saw it) or ``automated`` (a detection rule flagged it)."""
    status: Mapped[str] = mapped_column(String(16))
    """``proposed`` until a second person reviews it; then ``confirmed`` or ``rejected``;
    ``withdrawn`` once shown to be wrong (rectified)."""
    basis: Mapped[bytes] = mapped_column(LargeBinary)
    evidence: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(Instant)
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    review_note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    exemption: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Why telling the patient would prejudice preventing or detecting crime (DPA 2018 Sch. 2
    Pt 1 para 2); while set, access requests leave the marker out."""
    exempted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    exempted_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    statement: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The patient's challenge in their own words, shown wherever the marker is."""
    challenged_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    withdrawn_reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


def has_exempt(session: Session, organisation: str, subject: str) -> bool:
    """Whether any of the subject's markers is under the crime exemption (its existence, not
    its content: what the subject's access history must then leave out)."""
    found = session.scalar(
        select(FraudMarkerRow.marker_id)
        .where(
            FraudMarkerRow.organisation_id == organisation,
            FraudMarkerRow.subject_id == subject,
            FraudMarkerRow.exemption.is_not(None),
        )
        .limit(1)
    )
    return found is not None

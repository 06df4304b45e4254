"""Retention's own rows: legal holds, reviews at expiry, sweep runs, the trigger facts the store
holds nowhere else, and the subjects whose keys a sweep still has to destroy.

- ``retention_hold``: a legal hold (litigation, complaint, investigation, rights request in
  progress) on a whole subject or on one record; nothing it covers is disposed of until it is
  lifted, with who placed it, why, and who lifted it and why.
- ``retention_review``: a record a ``review`` rule put up for review at expiry, the role that
  must decide, and the decision (keep until a date, or dispose), who made it and why.
- ``retention_run``: one sweep, its as-of day, when it started and finished, whether it was a
  dry run, and the counts so far (JSON), so a killed run is finished by the next.
- ``retention_fact``: the dates the calculus needs that the store holds only as ciphertext or
  not at all: the date of death, the end of treatment, and the date of birth of a patient who
  was a child when it was recorded (the children's rule runs to a birthday; adults' dates of
  birth stay ciphertext only).
- ``retention_shred``: subjects whose rows a sweep deleted in a committed batch and whose key it
  must destroy; a re-run destroys any left (the key store is a database apart).

Every table keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, Index, String, Text, and_, exists, or_
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.domain.calendar import age_on
from hippocratic.storage.database import Base, Instant
from hippocratic.storage.rights_request import RightsRequestRow
from hippocratic.storage.subject import subject_fk


class HoldKind(StrEnum):
    LITIGATION = "litigation"
    COMPLAINT = "complaint"
    INVESTIGATION = "investigation"
    RIGHTS_REQUEST = "rights_request"


class ReviewDecision(StrEnum):
    KEEP = "keep"
    DISPOSE = "dispose"


class RetentionHoldRow(Base):
    __tablename__ = "retention_hold"
    __table_args__ = (
        subject_fk(),
        Index("ix_retention_hold_subject", "organisation_id", "subject_id", "lifted_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hold_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    record_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """None: the hold covers everything about the subject; else one record of this kind."""
    record_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(128))
    """Who answers for the hold (the solicitor, the complaints lead, the DPO)."""
    placed_by: Mapped[str] = mapped_column(String(128))
    placed_at: Mapped[datetime] = mapped_column(Instant)
    lifted_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class RetentionReviewRow(Base):
    __tablename__ = "retention_review"
    __table_args__ = (
        subject_fk(),
        Index("ix_retention_review_open", "organisation_id", "decided_at", "due"),
        Index("ix_retention_review_item", "organisation_id", "subject_id", "rule"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    review_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36))
    rule: Mapped[str] = mapped_column(String(64))
    item_kind: Mapped[str] = mapped_column(String(32))
    """``record`` for the subject's whole record under the rule, else a record kind."""
    item_id: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)
    """The day the sweep found it due (a daily sweep finds it on its first day)."""
    role: Mapped[str] = mapped_column(String(64))
    opened_run: Mapped[str] = mapped_column(String(36))
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    keep_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    disposed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    disposed_run: Mapped[str | None] = mapped_column(String(36), nullable=True)


class RetentionRunRow(Base):
    __tablename__ = "retention_run"
    __table_args__ = (Index("ix_retention_run_as_of", "organisation_id", "as_of"),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(Instant)
    finished_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    started_by: Mapped[str] = mapped_column(String(128))
    counts: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: per rule and action, how many items, as far as the run has got."""


class RetentionFactRow(Base):
    __tablename__ = "retention_fact"
    __table_args__ = (subject_fk(),)

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    born_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    died_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_of_treatment: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    updated_by: Mapped[str] = mapped_column(String(128))


class RetentionShredRow(Base):
    __tablename__ = "retention_shred"
    __table_args__ = (
        subject_fk(),
        Index("ix_retention_shred_pending", "organisation_id", "shredded_at"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36))
    queued_at: Mapped[datetime] = mapped_column(Instant)
    shredded_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


def subject_held(organisation: str, subject: Any) -> ColumnElement[bool]:
    """True where a hold on the whole subject is in place, or a rights request of theirs is
    still open (a request in progress holds everything about them)."""
    hold = exists().where(
        RetentionHoldRow.organisation_id == organisation,
        RetentionHoldRow.subject_id == subject,
        RetentionHoldRow.record_kind.is_(None),
        RetentionHoldRow.lifted_at.is_(None),
    )
    request = exists().where(
        RightsRequestRow.organisation_id == organisation,
        RightsRequestRow.subject_id == subject,
        RightsRequestRow.status == "open",
    )
    return or_(hold, request)


def record_held(organisation: str, kind: str, record: ColumnElement[str]) -> ColumnElement[bool]:
    """True where a hold on this one record is in place."""
    return exists().where(
        and_(
            RetentionHoldRow.organisation_id == organisation,
            RetentionHoldRow.record_kind == kind,
            RetentionHoldRow.record_id == record,
            RetentionHoldRow.lifted_at.is_(None),
        )
    )


CHILD_AGE = 18
DATE_OF_BIRTH = "user.demographic.date_of_birth"


def keep_child_birth_date(
    session: Session, organisation: str, subject: str, born: date | None, at: datetime, by: str
) -> None:
    """Keep a date of birth in the clear for retention only while the patient is a child on
    the day it is written (the children's rule needs it in SQL); an adult's is dropped."""
    row = session.get(RetentionFactRow, (organisation, subject))
    child = born is not None and age_on(born, at.date()) < CHILD_AGE
    if row is None and not child:
        return
    if row is None:
        row = RetentionFactRow(organisation_id=organisation, subject_id=subject, updated_at=at,
                               updated_by=by)  # fmt: skip
        session.add(row)
    row.born_on = born if child else None
    row.updated_at, row.updated_by = at, by

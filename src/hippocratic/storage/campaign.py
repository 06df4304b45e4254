"""Marketing campaigns and the messages they sent: what was sent to whom, by which channel,
and what came of it (an unsubscribe), kept for campaign-performance analysis only as long as
the policy says; then each message loses the patient it was sent to (``anonymise_sent``).

A campaign holds no personal data: its audience is criteria, evaluated when it is sent
(``channel_live``), so a consent withdrawn a minute before the send is never sent to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Index,
    Integer,
    SQLColumnExpression,
    String,
    Text,
    and_,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.consent import live_state
from hippocratic.storage.database import Base, Instant


class CampaignRow(Base):
    __tablename__ = "campaign"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(64))
    """The consent-based purpose it is sent under: marketing, or optional service messages."""
    channel: Mapped[str] = mapped_column(String(16))
    subject_line: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    """The audience's criteria as JSON: only marketing-eligible facts (``services.audience``)."""
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Instant)
    sent_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    service: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The organisation's own service it is about: a soft opt-in reaches it only if the
    patient bought that service or a similar one (S0-42)."""


class CampaignMessageRow(Base):
    """One message of a campaign; ``subject_id`` is cleared once the policy's period for
    campaign-performance data has passed, leaving only counts."""

    __tablename__ = "campaign_message"
    __table_args__ = (
        Index("ix_campaign_message_campaign", "organisation_id", "campaign_id"),
        Index("ix_campaign_message_sent", "organisation_id", "sent_at"),
        Index("ix_campaign_message_subject", "organisation_id", "subject_id"),
    )
    """By campaign (its counts), by time (retention of campaign performance) and by patient
    (an erasure, or a disposal, unlinking that patient's messages without a table scan)."""

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36))
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    """sending, sent or failed."""
    sent_at: Mapped[datetime] = mapped_column(Instant)
    unsubscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


def channel_live(
    organisation: str,
    subject: SQLColumnExpression[str],
    purpose: str,
    channel: str,
    at: datetime,
    terms: tuple[str, ...],
) -> ColumnElement[bool]:
    """True where the subject's consent to ``purpose`` on ``channel`` counts at ``at``: the
    latest event on that channel is a yes, not lapsed, on the purpose's current terms."""
    return live_state(organisation, subject, purpose, at, list(terms), channel)


def anonymise_sent(session: Session, organisation: str, before: datetime) -> int:
    """Clear the patient from every message sent before ``before`` (one statement); returns
    how many messages were anonymised."""
    result = session.execute(
        update(CampaignMessageRow)
        .where(
            and_(
                CampaignMessageRow.organisation_id == organisation,
                CampaignMessageRow.sent_at < before,
                CampaignMessageRow.subject_id.is_not(None),
            )
        )
        .values(subject_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def tallies(session: Session, organisation: str) -> dict[str, tuple[int, int, int]]:
    """Per campaign: messages sent, failed, and unsubscribed from (counts survive
    anonymisation)."""
    rows = session.execute(
        select(
            CampaignMessageRow.campaign_id,
            func.sum(case((CampaignMessageRow.status == "sent", 1), else_=0)),
            func.sum(case((CampaignMessageRow.status == "failed", 1), else_=0)),
            func.sum(case((CampaignMessageRow.unsubscribed.is_(True), 1), else_=0)),
        )
        .where(CampaignMessageRow.organisation_id == organisation)
        .group_by(CampaignMessageRow.campaign_id)
    )
    return {row[0]: (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows}

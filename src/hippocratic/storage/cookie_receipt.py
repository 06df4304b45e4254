"""Cookie consent receipts: what a website visitor chose in the banner, and under which words.

One row per choice (accept all, reject all, a choice of categories, a withdrawal), keyed by a
random visitor id that lives only in the visitor's essential consent cookie. A receipt holds no
personal data: no IP address, no user agent, no page address; only the categories chosen, the
banner's version and the SHA-256 of the text it showed, the notice version in force, whether
the browser sent Global Privacy Control, and when. Receipts are kept no longer than
``cookies.consent_record_retention`` (``delete_expired``, one set-based DELETE).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant


class CookieReceiptRow(Base):
    __tablename__ = "cookie_receipt"
    __table_args__ = (
        ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),
        Index("ix_cookie_receipt_recorded", "organisation_id", "recorded_at"),
        Index("ix_cookie_receipt_visitor", "organisation_id", "visitor_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(36))
    """Random, made by the banner and kept in the essential consent cookie; never a person."""
    action: Mapped[str] = mapped_column(String(16))
    """``accept_all``, ``reject_all``, ``choose`` or ``withdraw``."""
    categories: Mapped[str] = mapped_column(String(200))
    """The consent-gated categories accepted, sorted and space-separated ('' for none)."""
    banner_version: Mapped[str] = mapped_column(String(32))
    banner_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the banner text the visitor was shown."""
    notice_version: Mapped[str] = mapped_column(String(64))
    gpc: Mapped[bool] = mapped_column(Boolean)
    """The browser sent Global Privacy Control (header or ``navigator.globalPrivacyControl``)."""
    recorded_at: Mapped[datetime] = mapped_column(Instant)


def add_receipt(session: Session, row: CookieReceiptRow) -> None:
    session.add(row)


def receipts_of(session: Session, organisation: str, visitor: str) -> list[CookieReceiptRow]:
    """A visitor's receipts, oldest first."""
    query = (
        select(CookieReceiptRow)
        .where(
            CookieReceiptRow.organisation_id == organisation,
            CookieReceiptRow.visitor_id == visitor,
        )
        .order_by(CookieReceiptRow.recorded_at, CookieReceiptRow.receipt_id)
    )
    return list(session.scalars(query))


def count_receipts(session: Session, organisation: str) -> int:
    query = select(func.count()).where(CookieReceiptRow.organisation_id == organisation)
    return int(session.scalar(query) or 0)


def delete_expired(session: Session, organisation: str, recorded_before: datetime) -> int:
    """Delete every receipt of ``organisation`` recorded before the cutoff, in one statement
    inside the database; the number deleted."""
    statement = delete(CookieReceiptRow).where(
        CookieReceiptRow.organisation_id == organisation,
        CookieReceiptRow.recorded_at < recorded_before,
    )
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)

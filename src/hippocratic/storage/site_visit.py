"""The clinic's own website analytics: one row per page view a visitor consented to.

What a row holds is only what the policy's analytics category declares (``services.site
analytics`` decides): the page's path without its query string, the referring site's host,
the IP address truncated to its network (/24 or /48), and a pseudonym of the organisation's own
analytics cookie, never the cookie itself. Nothing links a row to a patient. Until its retention
rule's day a row is pseudonymous data (``visited_at`` set); on that day the sweep anonymises it
in place (pseudonym, address and moment cleared, the day, path and referrer kept as counts) or
deletes it, as the rule says. The table keys on ``organisation_id`` first (Citus-ready).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKeyConstraint,
    Index,
    String,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hippocratic.storage.database import Base, Instant


class SiteVisitRow(Base):
    __tablename__ = "site_visit"
    __table_args__ = (
        ForeignKeyConstraint(["organisation_id"], ["organisation.organisation_id"]),
        Index("ix_site_visit_day", "organisation_id", "visited_on"),
        Index("ix_site_visit_visitor", "organisation_id", "visitor_id"),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    visited_on: Mapped[date] = mapped_column(Date)
    """The UK calendar day of the visit: the retention rule's collection date; kept."""
    visited_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    """The moment, while the row is pseudonymous; None once anonymised."""
    path: Mapped[str] = mapped_column(String(200))
    referrer_host: Mapped[str | None] = mapped_column(String(253), nullable=True)
    visitor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the organisation's own analytics cookie; None without one, or anonymised."""
    ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The network of the visitor's address (``203.0.113.0/24``), never the address."""


def add(session: Session, row: SiteVisitRow) -> None:
    session.add(row)


def _pseudonymous(organisation: str, due: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    visit = SiteVisitRow
    return [visit.organisation_id == organisation, visit.visited_at.is_not(None), due]


def count_due(session: Session, organisation: str, due: ColumnElement[bool]) -> int:
    query = select(func.count()).where(*_pseudonymous(organisation, due))
    return int(session.scalar(query) or 0)


def count_due_each(
    session: Session, organisation: str, tests: list[ColumnElement[bool]]
) -> list[int]:
    """How many pseudonymous visits each of ``tests`` selects, in one scan."""
    sums = [func.sum(case((test, 1), else_=0)) for test in tests]
    visit = SiteVisitRow
    query = select(*sums).where(
        visit.organisation_id == organisation, visit.visited_at.is_not(None)
    )
    return [int(value or 0) for value in session.execute(query).one()]


def anonymise_due(session: Session, organisation: str, due: ColumnElement[bool]) -> int:
    """Clear the pseudonym, the address and the moment of every pseudonymous visit ``due``
    selects (one statement); how many."""
    statement = (
        update(SiteVisitRow)
        .where(*_pseudonymous(organisation, due))
        .values(visitor_id=None, ip_prefix=None, visited_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(statement))


def delete_due(session: Session, organisation: str, due: ColumnElement[bool]) -> int:
    statement = delete(SiteVisitRow).where(*_pseudonymous(organisation, due))
    return _rowcount(session.execute(statement.execution_options(synchronize_session=False)))


def delete_visitor(
    session: Session, organisation: str, visitors: list[str], before: datetime | None = None
) -> int:
    """Delete every visit of ``visitors`` (pseudonyms), or only those made by ``before``."""
    where = [SiteVisitRow.organisation_id == organisation, SiteVisitRow.visitor_id.in_(visitors)]
    if before is not None:
        where.append(SiteVisitRow.visited_at <= before)
    statement = delete(SiteVisitRow).where(*where)
    return _rowcount(session.execute(statement.execution_options(synchronize_session=False)))


def daily(session: Session, organisation: str, since: date) -> list[Any]:
    """(day, path, visits, pseudonymous visits) from ``since`` on, one row per day and path."""
    visit = SiteVisitRow
    pseudonymous = func.count(visit.visited_at)
    query = (
        select(visit.visited_on, visit.path, func.count(), pseudonymous)
        .where(visit.organisation_id == organisation, visit.visited_on >= since)
        .group_by(visit.visited_on, visit.path)
        .order_by(visit.visited_on, visit.path)
    )
    return list(session.execute(query))


def oldest_pseudonymous(session: Session, organisation: str) -> date | None:
    query = select(func.min(SiteVisitRow.visited_on)).where(
        SiteVisitRow.organisation_id == organisation, SiteVisitRow.visited_at.is_not(None)
    )
    found = session.scalar(query)
    return found if isinstance(found, date) else None


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

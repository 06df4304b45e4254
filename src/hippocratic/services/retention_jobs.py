"""The daily retention job: the sweep for every day missed since the last finished run, in
order, up to today (``jobs run``, ``serve --jobs``); a missed day is caught up, never skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from hippocratic.services.clinic_service import LONDON
from hippocratic.services.retention_report import RunReport
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage.retention import RetentionRunRow


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day = date.fromordinal(day.toordinal() + 1)


def missed_days(store: Store, organisation: str, today: date) -> list[date]:
    """The days the daily sweep still owes, oldest first: a run killed on a day is that day
    again; after the last finished run, every day up to today; with no run yet, today."""
    with store.sessions() as session:
        unfinished = session.scalar(
            select(func.min(RetentionRunRow.as_of)).where(
                RetentionRunRow.organisation_id == organisation,
                RetentionRunRow.dry_run.is_(False),
                RetentionRunRow.finished_at.is_(None),
            )
        )
        last = session.scalar(
            select(func.max(RetentionRunRow.as_of)).where(
                RetentionRunRow.organisation_id == organisation,
                RetentionRunRow.dry_run.is_(False),
                RetentionRunRow.finished_at.is_not(None),
            )
        )
    if unfinished is not None:
        start = unfinished
    elif last is not None:
        start = date.fromordinal(last.toordinal() + 1)
    else:
        start = today
    return list(days(start, today))


def catch_up(store: Store, organisation: str, today: date) -> list[RunReport]:
    """Run the sweep for every day missed, in order, each day's run recorded; none skipped."""
    return [
        RetentionSweep(store, organisation).run(day)
        for day in missed_days(store, organisation, today)
    ]


def store_today(store: Store) -> date:
    """Today in the UK, by the store's clock."""
    return store.clock.now().astimezone(LONDON).date()

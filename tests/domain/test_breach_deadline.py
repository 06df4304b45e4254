"""The 72-hour breach clock is elapsed time, correct across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hippocratic.domain.breach_deadline import BreachClockState, breach_deadline
from hippocratic.errors import InputError

LONDON = ZoneInfo("Europe/London")


@pytest.mark.promise("S1-26", "S1-25")
@pytest.mark.parametrize(
    ("aware", "shown"),
    [
        (
            datetime(2026, 3, 27, 12, 0, tzinfo=LONDON),
            "2026-03-30T13:00:00+01:00",
        ),  # spring forward
        (datetime(2026, 10, 23, 12, 0, tzinfo=LONDON), "2026-10-26T11:00:00+00:00"),  # fall back
        (datetime(2026, 7, 1, 9, 30, tzinfo=LONDON), "2026-07-04T09:30:00+01:00"),
    ],
)
def test_deadline_is_exactly_72_hours_of_elapsed_time(aware: datetime, shown: str) -> None:
    result = breach_deadline(aware, now=aware)
    # Same-tzinfo subtraction in Python is wall-clock time, so measure elapsed time in UTC.
    assert (result.deadline.astimezone(UTC) - aware.astimezone(UTC)).total_seconds() == 72 * 3600
    assert result.deadline.isoformat() == shown
    assert result.deadline.tzinfo == LONDON


def test_remaining_time_and_running_state() -> None:
    aware = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    result = breach_deadline(aware, now=aware + timedelta(hours=24))
    assert result.state is BreachClockState.RUNNING
    assert result.remaining == timedelta(hours=48)


@pytest.mark.promise("S1-26")
def test_late_reports_need_reasons() -> None:
    aware = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    late = breach_deadline(
        aware, now=aware + timedelta(days=5), reported_at=aware + timedelta(hours=73)
    )
    assert late.state is BreachClockState.LATE
    assert late.state.value == "late: reasons for the delay required"
    on_time = breach_deadline(aware, now=aware, reported_at=aware + timedelta(hours=72))
    assert on_time.state is BreachClockState.REPORTED_IN_TIME
    unreported = breach_deadline(aware, now=aware + timedelta(hours=72, seconds=1))
    assert unreported.state is BreachClockState.LATE


def test_naive_times_are_refused() -> None:
    with pytest.raises(InputError, match="no time zone"):
        breach_deadline(datetime(2026, 5, 1, 8, 0), now=datetime.now(UTC))

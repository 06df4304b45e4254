"""The 72-hour breach clock is elapsed time, correct across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hippocratic.domain.breach_deadline import BreachClockState, breach_deadline
from hippocratic.errors import InputError

LONDON = ZoneInfo("Europe/London")
SEVENTY_TWO_HOURS = 72 * 3600


def elapsed(start: datetime, end: datetime) -> float:
    # Subtracting two datetimes that share a tzinfo gives wall-clock time in Python; use UTC.
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


@pytest.mark.parametrize(
    ("aware", "shown"),
    [
        # Spring forward, Sunday 29 March 2026 01:00 GMT -> 02:00 BST: the wall clock reads 73 h.
        (datetime(2026, 3, 27, 12, 0, tzinfo=LONDON), "2026-03-30T13:00:00+01:00"),
        # Fall back, Sunday 25 October 2026 02:00 BST -> 01:00 GMT: the wall clock reads 71 h.
        (datetime(2026, 10, 23, 12, 0, tzinfo=LONDON), "2026-10-26T11:00:00+00:00"),
        # An hour before each change, and in the repeated hour itself.
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "2027-03-31T01:30:00+01:00"),
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "2027-11-03T00:30:00+00:00"),
        (datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON), "2026-10-28T01:30:00+00:00"),
        (datetime(2026, 7, 1, 9, 30, tzinfo=LONDON), "2026-07-04T09:30:00+01:00"),
    ],
)
def test_deadline_is_exactly_72_hours_of_elapsed_time(aware: datetime, shown: str) -> None:
    result = breach_deadline(aware, now=aware)
    assert elapsed(aware, result.deadline) == SEVENTY_TWO_HOURS
    assert result.deadline.isoformat() == shown
    assert result.deadline.tzinfo == LONDON


@settings(max_examples=300, deadline=None)
@given(
    aware=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.sampled_from([LONDON, UTC, timezone(timedelta(hours=-5))]),
    )
)
def test_any_awareness_time_2026_to_2028_gives_72_elapsed_hours_shown_in_london(
    aware: datetime,
) -> None:
    result = breach_deadline(aware, now=aware)
    assert elapsed(aware, result.deadline) == SEVENTY_TWO_HOURS
    assert result.deadline.utcoffset() == result.deadline.astimezone(LONDON).utcoffset()
    assert result.state is BreachClockState.RUNNING
    assert result.remaining == timedelta(hours=72)


def test_remaining_time_and_running_state() -> None:
    aware = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    result = breach_deadline(aware, now=aware + timedelta(hours=24))
    assert result.state is BreachClockState.RUNNING
    assert result.remaining == timedelta(hours=48)
    assert result.steps[-1] == "48 h 00 min left at Saturday 24 October 2026 13:00 BST"


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
    assert unreported.remaining is None


def test_the_result_names_its_source() -> None:
    result = breach_deadline(
        datetime(2026, 5, 1, 8, 0, tzinfo=UTC), now=datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    )
    assert result.source.key == "uk_gdpr_art_33"
    assert result.source.verified


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"aware_at": datetime(2026, 5, 1, 8, 0), "now": datetime(2026, 5, 1, 9, tzinfo=UTC)},
            "no time zone",
        ),
        (
            {"aware_at": datetime(2026, 5, 1, 8, tzinfo=UTC), "now": datetime(2026, 5, 1, 9)},
            "no time zone",
        ),
        (
            {
                "aware_at": datetime(2026, 5, 1, 8, tzinfo=UTC),
                "now": datetime(2026, 5, 1, 7, tzinfo=UTC),
            },
            "before the moment of awareness",
        ),
        (
            {
                "aware_at": datetime(2026, 5, 1, 8, tzinfo=UTC),
                "now": datetime(2026, 5, 2, tzinfo=UTC),
                "reported_at": datetime(2026, 5, 1, 7, tzinfo=UTC),
            },
            "before anyone was aware",
        ),
    ],
)
def test_invalid_times_are_refused(kwargs: dict[str, datetime], message: str) -> None:
    with pytest.raises(InputError, match=message):
        breach_deadline(**kwargs)

"""Working days in England and Wales: the ``holidays`` package against the published list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.domain.bank_holidays import GOV_UK_BANK_HOLIDAYS

from hippocratic.domain.calendar import (
    add_months,
    add_months_forward,
    bank_holiday,
    is_working_day,
    roll_forward,
)


def test_working_days_2026_to_spring_2029_match_the_published_list() -> None:
    day = date(2026, 1, 1)
    while day <= date(2029, 5, 31):
        expected = day.weekday() < 5 and day not in GOV_UK_BANK_HOLIDAYS
        assert is_working_day(day) is expected, day
        day += timedelta(days=1)


def test_substitute_days_are_named() -> None:
    assert bank_holiday(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert bank_holiday(date(2028, 1, 3)) == "New Year's Day (observed)"


def test_roll_forward_explains_each_day_skipped() -> None:
    day, steps = roll_forward(date(2027, 12, 25))
    assert day == date(2027, 12, 29)
    assert steps == [
        "Saturday 25 December 2027: weekend",
        "Sunday 26 December 2027: weekend",
        "Monday 27 December 2027: bank holiday (Christmas Day (observed))",
        "Tuesday 28 December 2027: bank holiday (Boxing Day (observed))",
    ]


@pytest.mark.parametrize(
    ("start", "months", "back", "forward"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28), date(2026, 3, 1)),
        (date(2028, 1, 31), 1, date(2028, 2, 29), date(2028, 3, 1)),
        (date(2028, 2, 29), 12, date(2029, 2, 28), date(2029, 3, 1)),
        (date(2026, 9, 3), 1, date(2026, 10, 3), date(2026, 10, 3)),
        (date(2026, 11, 30), 3, date(2027, 2, 28), date(2027, 3, 1)),
    ],
)
def test_month_arithmetic_back_for_clocks_forward_for_minimums(
    start: date, months: int, back: date, forward: date
) -> None:
    assert add_months(start, months)[0] == back
    assert add_months_forward(start, months)[0] == forward

"""Calendar arithmetic for legal clocks: calendar months as the ICO counts them, and England and
Wales working days (bank holidays from the ``holidays`` package, subdivision England)."""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta
from functools import cache

import holidays

WEEKEND = {5: "Saturday", 6: "Sunday"}


def add_months(start: date, months: int) -> tuple[date, bool]:
    """The corresponding date ``months`` later; the month's last day if there is none.

    Returns the date and whether it had to be moved back to the last day of the month. This is
    the ICO's rule for rights requests: 31 January + 1 month is 28 (or 29) February.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last)), start.day > last


def add_months_forward(start: date, months: int) -> tuple[date, bool]:
    """Like ``add_months``, but a missing day moves forward to the first of the next month.

    For retention minimums, where the later reading is the safe one: 8 years after 29 February
    2028 is 1 March 2036, and someone born on 29 February turns 25 on 1 March in a common year.
    """
    moved, clamped = add_months(start, months)
    return (moved + timedelta(days=1), True) if clamped else (moved, False)


def months_later(start: date, months: int, steps: list[str], found: str) -> date:
    """``add_months`` with its reasoning step: the day that does not exist and the last day of
    the month used instead, or ``found`` (e.g. "one month") and the corresponding date."""
    target, clamped = add_months(start, months)
    if clamped:
        steps.append(
            f"{start.day} {target.strftime('%b')} does not exist → {long_date(target)} "
            "(the last day of the month)"
        )
    else:
        steps.append(f"{found}: {long_date(target)}")
    return target


@cache
def _bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(day: date) -> str | None:
    """The name of the England and Wales bank holiday on ``day``, if it is one."""
    return _bank_holidays(day.year).get(day)


def non_working_reason(day: date) -> str | None:
    """Why ``day`` is not a working day (weekend or bank holiday), or None if it is one."""
    if day.weekday() in WEEKEND:
        return "weekend"
    name = bank_holiday(day)
    return f"bank holiday ({name})" if name else None


def is_working_day(day: date) -> bool:
    return non_working_reason(day) is None


def roll_forward(day: date) -> tuple[date, list[str]]:
    """The first working day on or after ``day``, with the reason for each day skipped."""
    steps: list[str] = []
    while (reason := non_working_reason(day)) is not None:
        steps.append(f"{long_date(day)}: {reason}")
        day += timedelta(days=1)
    return day, steps


def long_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def short_date(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def age_on(born: date, day: date) -> int:
    """Whole years of age on ``day`` (a birthday counts from its own day; 29 February's from
    1 March in a common year)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

"""Rights-request deadlines, tested against the ICO's worked examples and an independent
formulation over every receipt date from 2026 to 2028."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hippocratic.domain.rights_deadline import Pause, Right, rights_deadline
from hippocratic.errors import InputError

ENGLAND = holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2030))


def independent_due(received: date, months: int = 1) -> date:
    """The ICO's rule written out again, differently: last valid day, then skip closed days."""
    month_index = received.year * 12 + received.month - 1 + months
    year, month = divmod(month_index, 12)
    day = min(received.day, calendar.monthrange(year, month + 1)[1])
    due = date(year, month + 1, day)
    while due.isoweekday() > 5 or due in ENGLAND:
        due += timedelta(days=1)
    return due


@pytest.mark.promise("L-01")
@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2025, 9, 3), date(2025, 10, 3), "ICO: 3 September -> 3 October"),
        (date(2025, 1, 31), date(2025, 2, 28), "ICO: 31 January -> end of February"),
        (date(2028, 1, 31), date(2028, 2, 29), "ICO: 31 January -> 29 February in a leap year"),
        (date(2026, 1, 31), date(2026, 3, 2), "28 Feb 2026 is a Saturday -> Monday 2 March"),
        (date(2026, 9, 3), date(2026, 10, 5), "3 October 2026 is a Saturday"),
        (date(2026, 4, 4), date(2026, 5, 5), "4 May 2026 is the early May bank holiday"),
        (date(2026, 11, 25), date(2026, 12, 29), "Christmas Day, then Boxing Day (substitute)"),
        (date(2027, 2, 26), date(2027, 3, 30), "Good Friday, weekend, Easter Monday 2027"),
        (date(2028, 3, 14), date(2028, 4, 18), "Good Friday 2028 -> Tuesday after Easter"),
        (date(2027, 11, 25), date(2027, 12, 29), "2027: both Christmas holidays substituted"),
        (date(2027, 4, 30), date(2027, 6, 1), "Sunday 30 May, spring bank holiday 31 May 2027"),
    ],
)
def test_worked_examples(received: date, due: date, why: str) -> None:
    assert rights_deadline(received).due == due, why


def test_reasoning_reads_step_by_step() -> None:
    steps = rights_deadline(date(2026, 1, 31)).steps
    assert steps[1] == "31 Feb does not exist → 28 Feb"
    assert "Saturday 28 February 2026: weekend" in steps
    assert steps[-1] == "due Monday 2 March 2026"


@pytest.mark.promise("L-01")
def test_every_receipt_date_2026_to_2028_matches_the_independent_rule() -> None:
    day = date(2026, 1, 1)
    while day <= date(2028, 12, 31):
        result = rights_deadline(day)
        corresponding = min(day.day, calendar.monthrange(*_next_month(day))[1])
        assert result.due == independent_due(day), day
        assert result.due.isoweekday() <= 5
        assert result.due not in ENGLAND
        assert result.due >= date(*_next_month(day), corresponding)
        day += timedelta(days=1)


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


@pytest.mark.promise("L-01")
def test_extension_is_three_months_from_the_start_and_notice_is_due_in_the_first_month() -> None:
    result = rights_deadline(date(2026, 9, 3), extended=True)
    assert result.due == date(2026, 12, 3)
    assert result.extension_notice_by == date(2026, 10, 5)
    assert result.extended


@pytest.mark.promise("L-01")
def test_pause_days_count_both_boundaries() -> None:
    result = rights_deadline(
        date(2026, 3, 10), pauses=[Pause(date(2026, 3, 12), date(2026, 3, 14))]
    )
    assert result.paused_days == 3
    assert result.due == date(2026, 4, 13)


def test_overlapping_pauses_count_once() -> None:
    pauses = [
        Pause(date(2026, 3, 12), date(2026, 3, 14)),
        Pause(date(2026, 3, 13), date(2026, 3, 16)),
    ]
    assert rights_deadline(date(2026, 3, 10), pauses=pauses).paused_days == 5


def test_clock_starts_when_identity_evidence_or_fee_arrives() -> None:
    result = rights_deadline(date(2026, 9, 3), identity_received=date(2026, 9, 10))
    assert result.starts == date(2026, 9, 10)
    assert result.due == date(2026, 10, 12)
    fee = rights_deadline(date(2026, 9, 3), fee_received=date(2026, 9, 15))
    assert fee.due == date(2026, 10, 15)


def test_one_engine_for_every_right() -> None:
    dues = {rights_deadline(date(2026, 9, 3), right=right).due for right in Right}
    assert dues == {date(2026, 10, 5)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pauses": [Pause(date(2026, 3, 1), date(2026, 3, 2))]}, "before the clock starts"),
        ({"identity_received": date(2026, 3, 1)}, "cannot arrive before the request"),
    ],
)
def test_invalid_input_is_a_clear_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        rights_deadline(date(2026, 3, 10), **kwargs)  # type: ignore[arg-type]


def test_pause_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="cannot end"):
        Pause(date(2026, 3, 5), date(2026, 3, 2))


def test_pauses_need_article_12a() -> None:
    with pytest.raises(InputError, match="5 February 2026"):
        rights_deadline(date(2026, 1, 10), pauses=[Pause(date(2026, 1, 12), date(2026, 1, 13))])


receipts = st.dates(min_value=date(2026, 2, 5), max_value=date(2028, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    received=receipts, first=st.integers(0, 20), length=st.integers(0, 15), more=st.integers(1, 10)
)
def test_more_pause_days_never_give_an_earlier_date(
    received: date, first: int, length: int, more: int
) -> None:
    start = received + timedelta(days=first)
    shorter = rights_deadline(received, pauses=[Pause(start, start + timedelta(days=length))])
    longer = rights_deadline(received, pauses=[Pause(start, start + timedelta(days=length + more))])
    assert longer.due >= shorter.due
    assert shorter.due >= rights_deadline(received).due


@settings(max_examples=200, deadline=None)
@given(received=receipts)
def test_an_extension_is_never_earlier_than_the_base_date(received: date) -> None:
    base = rights_deadline(received)
    extended = rights_deadline(received, extended=True)
    assert extended.due > base.due
    assert extended.extension_notice_by == base.due

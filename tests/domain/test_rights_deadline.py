"""Rights-request deadlines: the ICO's worked examples, derived bank-holiday vectors, and an
independent formulation checked over every receipt date from 2026 to 2028."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.domain.bank_holidays import GOV_UK_BANK_HOLIDAYS

from hippocratic.domain.rights_deadline import TIMED_RIGHTS, Pause, rights_deadline
from hippocratic.errors import InputError
from hippocratic.policy.settings import RightName

LAST_KNOWN = date(2029, 5, 31)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def independent_month_end(received: date, months: int) -> date:
    """The ICO's words, written again: the latest day of the target month whose number is not
    after the day of receipt (so the corresponding date, or the month's last day)."""
    year, month0 = divmod(received.year * 12 + received.month - 1 + months, 12)
    days = [d for d in range(1, 32) if _exists(year, month0 + 1, d) and d <= received.day]
    return date(year, month0 + 1, days[-1])


def next_working_day(day: date) -> date:
    while day.weekday() >= 5 or day in GOV_UK_BANK_HOLIDAYS:
        day += timedelta(days=1)
    assert day <= LAST_KNOWN, "extend tests/domain/bank_holidays.py"
    return day


def independent_due(received: date, months: int = 1, paused: int = 0) -> date:
    return next_working_day(independent_month_end(received, months) + timedelta(days=paused))


@pytest.mark.promise("L-01")
@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2025, 9, 3), date(2025, 10, 3), "ICO: 3 September -> 3 October"),
        (date(2025, 1, 31), date(2025, 2, 28), "ICO: 31 January -> 28 February"),
        (date(2028, 1, 31), date(2028, 2, 29), "ICO: 31 January -> 29 February in a leap year"),
        (date(2026, 1, 31), date(2026, 3, 2), "28 Feb 2026 is a Saturday -> Monday 2 March"),
        (date(2026, 9, 3), date(2026, 10, 5), "3 October 2026 is a Saturday"),
        (date(2026, 4, 1), date(2026, 5, 1), "ICO: 1 April -> 1 May (a Friday in 2026)"),
        (date(2027, 4, 1), date(2027, 5, 4), "1 May 2027 Saturday, 3 May bank holiday"),
        (date(2026, 4, 4), date(2026, 5, 5), "4 May 2026 is the early May bank holiday"),
    ],
)
def test_ico_worked_examples(received: date, due: date, why: str) -> None:
    assert rights_deadline(received).due == due, why


@pytest.mark.promise("L-01")
@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2026, 3, 3), date(2026, 4, 7), "Good Friday 3 April, weekend, Easter Monday 2026"),
        (date(2026, 3, 6), date(2026, 4, 7), "Easter Monday 6 April 2026"),
        (date(2027, 2, 26), date(2027, 3, 30), "Good Friday 26 March, Easter Monday 29 March 2027"),
        (date(2028, 3, 14), date(2028, 4, 18), "Good Friday 2028 -> Tuesday after Easter"),
        (date(2026, 11, 25), date(2026, 12, 29), "Christmas Day, then Boxing Day substitute 2026"),
        (date(2027, 11, 25), date(2027, 12, 29), "2027: both Christmas holidays substituted"),
        (date(2027, 11, 27), date(2027, 12, 29), "27 Dec 2027 is Christmas Day (observed)"),
        (date(2027, 12, 1), date(2028, 1, 4), "1 Jan 2028 Saturday -> New Year substitute 3 Jan"),
        (date(2028, 11, 25), date(2028, 12, 27), "Christmas Monday and Boxing Day Tuesday 2028"),
        (date(2027, 4, 30), date(2027, 6, 1), "Sunday 30 May, spring bank holiday 31 May 2027"),
    ],
)
def test_christmas_easter_and_substitute_days(received: date, due: date, why: str) -> None:
    assert rights_deadline(received).due == due, why


def test_reasoning_reads_step_by_step() -> None:
    steps = rights_deadline(date(2026, 1, 31)).steps
    assert steps == [
        "access request received Saturday 31 January 2026 (day 1, working day or not)",
        "31 Feb does not exist → Saturday 28 February 2026 (the last day of the month)",
        "Saturday 28 February 2026: weekend",
        "Sunday 1 March 2026: weekend",
        "next working day: Monday 2 March 2026",
        "due Monday 2 March 2026",
    ]


def test_the_result_names_its_sources_and_whether_they_are_verified() -> None:
    sources = {s.key: s.verified for s in rights_deadline(date(2026, 9, 3)).sources}
    assert sources == {
        "ico_time_limits": True,
        "uk_gdpr_art_12a": False,
        "england_wales_bank_holidays": False,
    }


@pytest.mark.promise("L-01")
def test_every_receipt_date_2026_to_2028_matches_the_independent_rule() -> None:
    day = date(2026, 1, 1)
    while day <= date(2028, 12, 31):
        result = rights_deadline(day)
        assert result.due == independent_due(day), day
        assert result.corresponding == independent_month_end(day, 1), day
        day += timedelta(days=1)


receipts = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
after_12a = st.dates(min_value=date(2026, 2, 5), max_value=date(2028, 12, 31))


@pytest.mark.promise("L-01")
@settings(max_examples=300, deadline=None)
@given(received=receipts, extended=st.booleans())
def test_due_is_a_working_day_never_before_the_corresponding_date(
    received: date, extended: bool
) -> None:
    result = rights_deadline(received, extended=extended)
    months = 3 if extended else 1
    assert result.due.weekday() < 5 and result.due not in GOV_UK_BANK_HOLIDAYS
    assert result.due >= independent_month_end(received, months)
    assert result.due == independent_due(received, months)


@pytest.mark.promise("L-01")
@settings(max_examples=300, deadline=None)
@given(received=after_12a, offset=st.integers(0, 27), length=st.integers(0, 20))
def test_a_pause_moves_the_due_date_by_its_days_both_included(
    received: date, offset: int, length: int
) -> None:
    start = received + timedelta(days=offset)
    result = rights_deadline(received, pauses=[Pause(start, start + timedelta(days=length))])
    assert result.paused_days == length + 1
    assert result.due == independent_due(received, 1, paused=length + 1)


@settings(max_examples=200, deadline=None)
@given(
    received=after_12a,
    first=st.integers(0, 40),
    length=st.integers(0, 15),
    more=st.integers(1, 10),
    extended=st.booleans(),
)
def test_more_pause_days_never_give_an_earlier_date(
    received: date, first: int, length: int, more: int, extended: bool
) -> None:
    start = received + timedelta(days=first)

    def due(days: int) -> date:
        pause = Pause(start, start + timedelta(days=days))
        return rights_deadline(received, pauses=[pause], extended=extended).due

    assert due(length + more) >= due(length) >= rights_deadline(received, extended=extended).due


@pytest.mark.promise("L-01")
@settings(max_examples=200, deadline=None)
@given(received=receipts)
def test_an_extension_is_never_earlier_than_the_base_date(received: date) -> None:
    base = rights_deadline(received)
    extended = rights_deadline(received, extended=True)
    assert extended.due > base.due
    # The notice is due at the end of the first month itself, not rolled to a working day.
    assert extended.extension_notice_by == base.corresponding
    assert extended.extension_notice_by == independent_month_end(received, 1)


@pytest.mark.promise("L-01")
@settings(max_examples=200, deadline=None)
@given(received=after_12a, offset=st.integers(0, 27), length=st.integers(0, 20))
def test_the_extension_notice_is_the_first_month_end_plus_the_paused_days(
    received: date, offset: int, length: int
) -> None:
    start = received + timedelta(days=offset)
    pause = Pause(start, start + timedelta(days=length))
    result = rights_deadline(received, pauses=[pause], extended=True)
    paused = timedelta(days=length + 1)
    assert result.extension_notice_by == independent_month_end(received, 1) + paused
    assert result.due == independent_due(received, 3, paused=length + 1)


@pytest.mark.promise("L-01")
def test_extension_is_three_months_from_the_start_and_notice_is_due_in_the_first_month() -> None:
    result = rights_deadline(date(2026, 9, 3), extended=True)
    assert result.due == date(2026, 12, 3)
    # 3 October 2026 is a Saturday: the response could wait to Monday, the notice is not rolled.
    assert result.extension_notice_by == date(2026, 10, 3)
    assert result.extended
    christmas = rights_deadline(date(2026, 9, 25), extended=True)
    assert christmas.due == date(2026, 12, 29)


@pytest.mark.promise("L-01")
def test_pause_days_count_both_boundaries() -> None:
    result = rights_deadline(
        date(2026, 3, 10), pauses=[Pause(date(2026, 3, 12), date(2026, 3, 14))]
    )
    assert result.paused_days == 3
    assert result.due == date(2026, 4, 13)
    assert "+ 3 paused day(s), 12 Mar 2026 to 14 Mar 2026, both included" in result.steps[2]
    one_day = rights_deadline(
        date(2026, 3, 10), pauses=[Pause(date(2026, 3, 10), date(2026, 3, 10))]
    )
    assert (one_day.paused_days, one_day.due) == (1, date(2026, 4, 13))


def test_overlapping_pauses_count_once() -> None:
    pauses = [
        Pause(date(2026, 3, 12), date(2026, 3, 14)),
        Pause(date(2026, 3, 13), date(2026, 3, 16)),
    ]
    assert rights_deadline(date(2026, 3, 10), pauses=pauses).paused_days == 5


def test_a_pause_after_the_time_limit_ran_out_does_not_count() -> None:
    late = rights_deadline(date(2026, 3, 10), pauses=[Pause(date(2026, 4, 14), date(2026, 4, 20))])
    assert (late.paused_days, late.due) == (0, date(2026, 4, 10))
    assert any("ran out: it does not count" in step for step in late.steps)
    # The pause starting on the last day still counts.
    last = rights_deadline(date(2026, 3, 10), pauses=[Pause(date(2026, 4, 10), date(2026, 4, 10))])
    assert (last.paused_days, last.due) == (1, date(2026, 4, 13))


def test_pauses_extend_the_extension_notice_period_too() -> None:
    result = rights_deadline(
        date(2026, 3, 10), pauses=[Pause(date(2026, 3, 20), date(2026, 3, 24))], extended=True
    )
    assert result.extension_notice_by == date(2026, 4, 15)
    assert result.due == date(2026, 6, 15)
    # The pause moves both dates, and each step says which one it moved.
    paused = [step for step in result.steps if "paused day(s)" in step]
    assert paused == [
        "+ 5 paused day(s), 20 Mar 2026 to 24 Mar 2026, both included → Wednesday 15 April 2026 "
        "(notice period)",
        "+ 5 paused day(s), 20 Mar 2026 to 24 Mar 2026, both included → Monday 15 June 2026 "
        "(response period)",
    ]


def test_clock_starts_when_identity_evidence_or_fee_arrives() -> None:
    result = rights_deadline(date(2026, 9, 3), identity_received=date(2026, 9, 10))
    assert result.starts == date(2026, 9, 10)
    assert result.due == date(2026, 10, 12)
    fee = rights_deadline(date(2026, 9, 3), fee_received=date(2026, 9, 15))
    assert fee.due == date(2026, 10, 15)
    both = rights_deadline(
        date(2026, 9, 3), identity_received=date(2026, 9, 20), fee_received=date(2026, 9, 15)
    )
    assert both.starts == date(2026, 9, 20)


def test_one_engine_for_every_right() -> None:
    dues = {rights_deadline(date(2026, 9, 3), right=right).due for right in TIMED_RIGHTS}
    assert dues == {date(2026, 10, 5)}
    assert set(RightName) - TIMED_RIGHTS == {RightName.WITHDRAW_CONSENT, RightName.COMPLAIN}
    with pytest.raises(InputError, match=r"not answered under the Art\. 12"):
        rights_deadline(date(2026, 9, 3), right=RightName.COMPLAIN)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pauses": [Pause(date(2026, 3, 1), date(2026, 3, 2))]}, "before the clock starts"),
        ({"identity_received": date(2026, 3, 1)}, "cannot arrive before the request"),
        ({"fee_received": date(2026, 3, 9)}, "cannot arrive before the request"),
    ],
)
def test_invalid_input_is_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        rights_deadline(date(2026, 3, 10), **kwargs)


def test_pause_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="cannot end") as caught:
        Pause(date(2026, 3, 5), date(2026, 3, 2))
    assert caught.value.field == "pause"


def test_pauses_need_article_12a() -> None:
    with pytest.raises(InputError, match="5 February 2026"):
        rights_deadline(date(2026, 1, 10), pauses=[Pause(date(2026, 1, 12), date(2026, 1, 13))])

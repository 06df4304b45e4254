"""The financial year end: a day and month, read from the policy as MM-DD, and the two dates
the retention sweep needs from it (the end of the year a record falls in, and the last year
end on or before a cutoff), which agree for every day."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.policy.sound import mutate

from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.loader import parse_policy


def _year_ends() -> st.SearchStrategy[YearEnd]:
    days = st.dates(date(2001, 1, 1), date(2001, 12, 31))
    return days.map(lambda d: YearEnd(d.month, d.day))


def test_a_record_belongs_to_the_year_ending_on_or_after_it() -> None:
    march = YearEnd.parse("03-31")
    assert march.ending(date(2026, 2, 1)) == date(2026, 3, 31)
    assert march.ending(date(2026, 3, 31)) == date(2026, 3, 31)
    assert march.ending(date(2026, 4, 1)) == date(2027, 3, 31)
    assert march.last_on_or_before(date(2032, 3, 30)) == date(2031, 3, 31)
    assert march.last_on_or_before(date(2032, 3, 31)) == date(2032, 3, 31)
    assert str(march) == "03-31"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("02-29", "29 February"),
        ("04-31", "out of range"),
        ("13-01", "month"),
        ("3-31", "MM-DD"),
        ("31/03", "MM-DD"),
    ],
)
def test_a_day_that_is_not_one_every_year_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        YearEnd.parse(text)


@given(year_end=_year_ends(), day=st.dates(date(1990, 1, 1), date(2090, 12, 31)),
       cutoff=st.dates(date(1990, 1, 1), date(2090, 12, 31)))  # fmt: skip
def test_on_or_before_the_last_year_end_is_the_same_as_a_year_ended_by_the_cutoff(
    year_end: YearEnd, day: date, cutoff: date
) -> None:
    """What the sweep relies on to compare stored dates with one constant."""
    assert (day <= year_end.last_on_or_before(cutoff)) == (year_end.ending(day) <= cutoff)
    assert year_end.ending(day) - day < timedelta(days=366)


def test_the_policy_reads_the_year_end_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    stated, _ = mutate(
        tmp_path,
        "  permitted_countries: [GB]",
        '  permitted_countries: [GB]\n  financial_year_end: "03-31"',
    )
    policy, _, problems = parse_policy(stated)
    assert problems == [] and policy is not None
    assert policy.organisation.year_end == YearEnd(3, 31)
    wrong, line = mutate(
        tmp_path,
        "  permitted_countries: [GB]",
        '  permitted_countries: [GB]\n  financial_year_end: "02-29"',
    )
    _, _, problems = parse_policy(wrong)
    assert [(p.path, p.line) for p in problems] == [("organisation.financial_year_end", line + 1)]
    assert "29 February" in problems[0].message

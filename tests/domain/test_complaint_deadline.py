"""DPA 2018 s.164A(2): acknowledge a complaint within 30 days beginning with receipt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hippocratic.domain.complaint_deadline import complaint_deadline


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 7, 1), date(2026, 7, 30)),
        (date(2026, 7, 3), date(2026, 8, 1)),  # a Saturday: the statute does not roll forward
        (date(2026, 12, 1), date(2026, 12, 30)),
        (date(2028, 2, 1), date(2028, 3, 1)),  # leap year: 29 February is one of the 30 days
    ],
)
def test_thirty_days_beginning_with_the_day_of_receipt(received: date, due: date) -> None:
    result = complaint_deadline(received)
    assert result.due == due
    assert result.steps[-1].startswith("acknowledge by ")


@settings(max_examples=200, deadline=None)
@given(received=st.dates(min_value=date(2026, 6, 19), max_value=date(2028, 12, 31)))
def test_the_receipt_day_is_day_one_of_thirty(received: date) -> None:
    result = complaint_deadline(received)
    days_in_period = [received + timedelta(days=n) for n in range((result.due - received).days + 1)]
    assert len(days_in_period) == 30
    assert result.statutory


def test_before_19_june_2026_it_is_good_practice_not_statute() -> None:
    assert not complaint_deadline(date(2026, 6, 18)).statutory
    assert complaint_deadline(date(2026, 6, 19)).statutory
    assert complaint_deadline(date(2026, 6, 19)).source.key == "dpa_2018_s164a"

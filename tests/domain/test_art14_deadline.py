"""Art. 14(3): tell the patient within one month, or sooner at first contact or disclosure."""

from __future__ import annotations

from datetime import date

import pytest

from hippocratic.domain.art14_deadline import (
    FIRST_CONTACT,
    FIRST_DISCLOSURE,
    ONE_MONTH,
    art14_deadline,
)
from hippocratic.errors import InputError


def test_one_month_unless_contact_or_disclosure_comes_first() -> None:
    month = art14_deadline(date(2026, 3, 2))
    assert (month.due, month.reason) == (date(2026, 4, 2), ONE_MONTH)
    contact = art14_deadline(date(2026, 3, 2), first_contact=date(2026, 3, 9))
    assert (contact.due, contact.reason) == (date(2026, 3, 9), FIRST_CONTACT)
    disclosure = art14_deadline(
        date(2026, 3, 2), first_contact=date(2026, 3, 20), first_disclosure=date(2026, 3, 5)
    )
    assert (disclosure.due, disclosure.reason) == (date(2026, 3, 5), FIRST_DISCLOSURE)
    late_contact = art14_deadline(date(2026, 3, 2), first_contact=date(2026, 5, 1))
    assert late_contact.reason == ONE_MONTH


def test_one_month_uses_the_last_day_and_is_not_rolled_to_a_working_day() -> None:
    result = art14_deadline(date(2026, 1, 31))
    assert result.due == date(2026, 2, 28)  # a Saturday: "at the latest", so no roll-forward
    assert "31 Feb does not exist → Saturday 28 February 2026 (the last day of the month)" in (
        result.steps
    )
    assert result.source.key == "uk_gdpr_art_14_3"
    assert not result.source.verified


@pytest.mark.parametrize("name", ["first_contact", "first_disclosure"])
def test_events_before_obtaining_are_refused(name: str) -> None:
    event: dict[str, date] = {name: date(2026, 3, 1)}
    with pytest.raises(InputError, match="cannot be before the data was obtained") as caught:
        art14_deadline(date(2026, 3, 2), **event)
    assert caught.value.field == name

"""Art. 14(3) notice to patients, and acknowledging complaints under DPA 2018 s.164A."""

from __future__ import annotations

from datetime import date

import pytest

from hippocratic.domain.notification_deadline import art14_deadline, complaint_acknowledgement
from hippocratic.errors import InputError


@pytest.mark.promise("S0-18")
def test_art14_one_month_unless_contact_or_disclosure_comes_first() -> None:
    assert art14_deadline(date(2026, 1, 31)).due == date(2026, 2, 28)
    contact = art14_deadline(date(2026, 3, 2), first_contact=date(2026, 3, 9))
    assert contact.due == date(2026, 3, 9)
    assert "Art. 14(3)(b)" in contact.reason
    disclosure = art14_deadline(
        date(2026, 3, 2), first_contact=date(2026, 3, 20), first_disclosure=date(2026, 3, 5)
    )
    assert disclosure.due == date(2026, 3, 5)
    assert "Art. 14(3)(c)" in disclosure.reason


def test_art14_events_before_obtaining_are_refused() -> None:
    with pytest.raises(InputError):
        art14_deadline(date(2026, 3, 2), first_contact=date(2026, 3, 1))


def test_complaint_acknowledged_within_30_days_beginning_with_receipt() -> None:
    result = complaint_acknowledgement(date(2026, 7, 1))
    assert result.due == date(2026, 7, 30)
    assert result.statutory
    assert not complaint_acknowledgement(date(2026, 6, 18)).statutory
    assert complaint_acknowledgement(date(2026, 6, 19)).statutory

"""The notification lint on its own: clinical words found at the start of words, any case,
the caller's own terms added and its allowed names taken out first."""

from __future__ import annotations

import pytest

from hippocratic.domain.health_content import health_terms


@pytest.mark.promise("S0-107")
@pytest.mark.parametrize(
    "text",
    [
        "Your SCAN REPORT is ready",
        "About your pregnancy",
        "Results of your ultrasound",
        "We have your diagnosis",
    ],
)
def test_clinical_words_are_found(text: str) -> None:
    assert health_terms(text) != []


def test_a_plain_notification_passes_and_allowed_names_are_taken_out() -> None:
    assert health_terms("Your sign-in code is 123456. It works for 10 minutes.") == []
    assert health_terms("Your code from Pregnancy Scans Ltd", allowed=["Pregnancy Scans Ltd"]) == []
    assert health_terms("Booked: 4D Baby Scan", extra=["4D baby scan"]) == ["4d baby scan"]
    assert health_terms("unpregnant-looking text") == [], "only at the beginning of a word"

"""One precise edit to each shipped policy trips the check it should, end to end: the rules are
tested on sound.yaml in ``checks/``; these prove they bite on the real files too."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.shipped import POLICIES

from hippocratic.policy.validator import check_policy_text

HARMONIC = POLICIES / "harmonic-medical-sonography.yaml"
HARMONY = POLICIES / "harmony-healthcare.yaml"


def _edited(path: Path, old: str, new: str, *, after: str) -> tuple[str, int]:
    """The file's text with the first ``old`` after ``after`` replaced, and the line of ``new``."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old, text.index(after))
    return text[:at] + new + text[at + len(old) :], text[:at].count("\n") + 1


@pytest.mark.promise("S0-77")
def test_harmonic_maternity_records_kept_only_eight_years_are_refused() -> None:
    text, line = _edited(
        HARMONIC, "duration: {years: 25}", "duration: {years: 8}", after="- key: maternity_record"
    )
    report = check_policy_text(text, HARMONIC.name)
    assert [(p.rule, p.line, p.path) for p in report.problems] == [
        ("retention.below_minimum", line, "retention[maternity_record].duration")
    ]


def test_harmony_adult_health_records_kept_under_eight_years_are_refused() -> None:
    text, line = _edited(
        HARMONY, "duration: {years: 8}", "duration: {years: 7}", after="- key: health_record"
    )
    report = check_policy_text(text, HARMONY.name)
    assert [(p.rule, p.line, p.path) for p in report.problems] == [
        ("retention.below_minimum", line, "retention[health_record].duration")
    ]

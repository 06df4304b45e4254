"""``form.marketing_preference``: a form where people give their email address offers the
marketing choice (S0-106); a form someone else fills in (a GP's referral) does not."""

from __future__ import annotations

import pytest
from tests.conftest import HARMONIC_POLICY

from hippocratic.policy.loader import load_policy_text
from hippocratic.policy.validator import check_policy_text


@pytest.mark.promise("S0-106")
def test_policy_check_refuses_a_form_taking_an_email_without_the_marketing_choice() -> None:
    text = HARMONIC_POLICY.read_text(encoding="utf-8")
    shipped = check_policy_text(text, "shipped")
    assert not [p for p in shipped.problems if p.rule == "form.marketing_preference"]
    stripped = text.replace(
        "pregnancy_details, service_booked, referrer_name, marketing_consent]",
        "pregnancy_details, service_booked, referrer_name]",
    )
    report = check_policy_text(stripped, "stripped")
    (problem,) = [p for p in report.problems if p.rule == "form.marketing_preference"]
    assert "`booking` takes an email address but offers no marketing choice" in problem.message
    referral = load_policy_text(text, "shipped").form_by_key["referral"]
    assert "email" in referral.fields and "marketing_consent" not in referral.fields  # a GP's

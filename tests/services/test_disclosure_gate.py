"""The sharing rules on their own, on policies a DPO might write by mistake: the validator would
refuse them, and the gate refuses to disclose under them all the same (defence in depth)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.conftest import HARMONIC_POLICY

from hippocratic.policy.document import Policy
from hippocratic.policy.loader import parse_policy_text
from hippocratic.services.disclosure_gate import Channel, Disclose, disclosable, refusals

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOSTING = """    country: GB
    contract_reference: DPA-HMS-01 (UK GDPR Art. 28)
    contract_review_date: 2025-11-18
"""


def harmonic(old: str = "", new: str = "") -> Policy:
    text = HARMONIC_POLICY.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1
        text = text.replace(old, new)
    policy, _, problems = parse_policy_text(text, "policy.yaml")
    assert policy is not None, problems
    return policy


def rules(policy: Policy, ask: Disclose, dpo: bool = False) -> list[str]:
    return [r.rule for r in refusals(policy, ask, today=TODAY, now=NOW, dpo=dpo)]


HOST = Disclose("it_hosting", "care", ("full_name",), Channel.API)


@pytest.mark.promise("S0-72", "S0-73")
def test_a_processor_outside_the_uk_without_a_safeguard_receives_nothing() -> None:
    reviewed = HOSTING.replace("2025-11-18", "2027-11-18")
    us = harmonic(HOSTING, reviewed.replace("GB", "US"))
    assert rules(us, HOST) == ["disclosure:it_hosting/transfer"]
    guarded = harmonic(HOSTING, reviewed.replace("GB", "US") + "    transfer_safeguard: idta\n")
    assert rules(guarded, HOST) == []


@pytest.mark.promise("S0-55")
def test_a_processor_with_an_expired_assurance_receives_nothing() -> None:
    reviewed = HOSTING.replace("2025-11-18", "2027-11-18")
    assert rules(harmonic(HOSTING, reviewed), HOST) == []
    lapsed = harmonic(
        HOSTING,
        reviewed + "    assurances:\n      - {name: ISO/IEC 27001 certificate, reference: "
        "IS-123456, expires_on: 2026-10-31}\n",
    )
    found = refusals(lapsed, HOST, today=TODAY, now=NOW, dpo=False)
    assert [r.rule for r in found] == ["disclosure:it_hosting/agreement"]
    assert "ISO/IEC 27001 certificate" in found[0].reason
    assert rules(harmonic(), HOST) == ["disclosure:it_hosting/agreement"]  # as shipped: overdue


def test_a_patient_told_in_the_future_or_agreeing_later_is_refused() -> None:
    later = datetime(2026, 12, 1, tzinfo=UTC)
    ask = Disclose(
        "others_with_consent",
        "discretionary_sharing",
        ("full_name",),
        Channel.POST,
        party="Example Carers Ltd",
        patient_told_at=later,
        agreed_at=later,
    )
    found = rules(harmonic(), ask, dpo=True)
    assert "disclosure:others_with_consent/told_in_future" in found
    assert "disclosure:discretionary_sharing/not_agreed" in found


@pytest.mark.promise("S0-66")
def test_no_form_offers_an_advertiser_or_analytics_recipient() -> None:
    offered = {r.key for r in disclosable(harmonic())}
    assert {"google_ads", "meta", "google_analytics"}.isdisjoint(offered)
    assert {"referrers", "authorities", "fraud_agencies"} <= offered


@pytest.mark.promise("S0-107")
def test_health_data_never_goes_by_plain_email() -> None:
    """A scan report to the referring GP by ordinary email is refused; by secure email, the API
    or post the channel is no obstacle; a name and address alone may go by email."""
    policy = harmonic()
    report = ("full_name", "scan_report")
    by_email = rules(policy, Disclose("referrers", "care", report, Channel.EMAIL))
    assert by_email == ["disclosure:referrers/channel:email"]
    (refusal,) = refusals(
        policy,
        Disclose("referrers", "care", report, Channel.EMAIL),
        today=TODAY,
        now=NOW,
        dpo=False,
    )
    assert "Scan report" in refusal.reason or "scan report" in refusal.reason.lower()
    for channel in (Channel.SECURE_EMAIL, Channel.API, Channel.POST):
        assert rules(policy, Disclose("referrers", "care", report, channel)) == []
    assert rules(policy, Disclose("referrers", "care", ("full_name", "email"), Channel.EMAIL)) == []

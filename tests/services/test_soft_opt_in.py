"""The soft opt-in evaluator (S0-42, PECR reg. 22(3), D-01): with soft opt-in enabled, a patient
who bought a service is eligible for marketing about it or a similar one only while the opt-out
offer is on file and no opt-out exists; never for a dissimilar or health-revealing service,
never where the policy asks for an opt-in; a campaign's audience follows the same rule, and
every evaluation is on the ledger."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_campaigns import MO, patient
from tests.services.test_policy_change import NEW_NOTICE, variant

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.services.audience import Audience
from hippocratic.services.campaigns import Campaigns
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.policy_change import change_policy
from hippocratic.services.soft_opt_in import SoftOptInEligibility, SoftOptIns, covering
from hippocratic.services.store import Store

HEALTH_CHECK = """    title: General health check scan
    health_revealing: false
    duration_minutes: 45
    report_field: scan_report
"""
# Two more of the clinic's own services that reveal nothing about health: one the health check
# lists as similar, one it does not.
SERVICES = (HEALTH_CHECK, HEALTH_CHECK.replace(
    "    health_revealing: false\n",
    "    health_revealing: false\n    similar: [body_composition_scan]\n",
) + """  - key: body_composition_scan
    title: Body composition scan
    health_revealing: false
    duration_minutes: 30
    report_field: scan_report
  - key: gift_voucher
    title: Gift voucher
    health_revealing: false
    duration_minutes: 5
""")  # fmt: skip
SOFT = ("  model: opt_in  ", "  model: soft_opt_in  ")


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def enable(clinic: Store, tmp_path: Path, *extra: tuple[str, str]) -> None:
    change_policy(clinic, variant(tmp_path, NEW_NOTICE, SERVICES, *extra))


def soft_opt_in(clinic: Store, subject: str, bought: str = "health_check_scan") -> None:
    """At the sale, the desk offered the opt-out; the patient did not take it."""
    policy = clinic.policy_of("harmonic")
    wording = policy.purpose_by_key["marketing"].consent.wording  # type: ignore[union-attr]
    choice = ConsentChoice(
        purpose="marketing",
        kind=ConsentKind.SOFT_OPT_IN,
        method="in_person",
        presentation=Presentation(Control.SPOKEN),
        wording=wording,
        channels=("email",),
        evidence="offered the opt-out at the desk when paying; she did not take it",
        service=bought,
    )
    Consents(clinic, actor(*MO)).record(subject, choice)


def eligible(clinic: Store, subject: str, service: str) -> SoftOptInEligibility:
    return SoftOptIns(clinic, actor(*MO)).eligibility(subject, service, "email")


@pytest.mark.promise("S0-42")
def test_a_patient_who_bought_a_is_eligible_for_similar_b_only_with_the_offer_and_no_opt_out(
    clinic: Store, tmp_path: Path
) -> None:
    enable(clinic, tmp_path, SOFT)
    ada = patient(clinic, "Ada Example", "ada@example.org")
    never_offered = patient(clinic, "Bea Example", "bea@example.org")

    no_offer = eligible(clinic, never_offered, "body_composition_scan")
    assert not no_offer.eligible and no_offer.reasons == [
        "no opt-out offer is on file for this channel"
    ]

    soft_opt_in(clinic, ada)
    similar = eligible(clinic, ada, "body_composition_scan")
    assert (similar.eligible, similar.basis, similar.bought) == (
        True, "soft_opt_in", "health_check_scan"
    )  # fmt: skip
    assert similar.offered_at is not None
    assert eligible(clinic, ada, "health_check_scan").eligible  # the same service
    other = eligible(clinic, ada, "gift_voucher")
    assert not other.eligible and "not list as similar" in other.reasons[0]
    health = eligible(clinic, ada, "early_pregnancy_scan")
    assert not health.eligible and "reveals something about health" in health.reasons[0]

    about = Audience("marketing", "email", service="body_composition_scan")
    assert Campaigns(clinic, actor(*MO)).preview(about) == 1
    assert Campaigns(clinic, actor(*MO)).preview(replace(about, service="gift_voucher")) == 0

    agree(clinic, actor(*MO), ada, "marketing", ("email",), kind=ConsentKind.WITHDRAWN)
    opted_out = eligible(clinic, ada, "body_composition_scan")
    assert not opted_out.eligible and opted_out.reasons[0].startswith("they opted out on")
    assert Campaigns(clinic, actor(*MO)).preview(about) == 0

    looks = [e for e in events(clinic) if (e.reason or "").startswith("soft opt-in eligibility")]
    assert [(e.subject_id, e.purpose, e.reason) for e in looks][-1] == (
        ada, "marketing", "soft opt-in eligibility for body_composition_scan by email: not eligible"
    )  # fmt: skip


@pytest.mark.promise("S0-42")
def test_without_soft_opt_in_enabled_only_an_opt_in_counts(clinic: Store, tmp_path: Path) -> None:
    enable(clinic, tmp_path)  # marketing: {model: opt_in}, as both shipped policies say
    ada = patient(clinic, "Ada Example", "ada@example.org")
    refused = eligible(clinic, ada, "body_composition_scan")
    assert not refused.eligible and "asks for an opt-in" in refused.reasons[0]
    agree(clinic, actor(*MO), ada, "marketing", ("email",))
    opted_in = eligible(clinic, ada, "gift_voucher")
    assert (opted_in.eligible, opted_in.basis) == (True, "opt_in")


def test_similar_means_what_the_policy_lists_and_never_health(
    clinic: Store, tmp_path: Path
) -> None:
    enable(clinic, tmp_path, SOFT)
    policy = clinic.policy_of("harmonic")
    assert covering(policy, "body_composition_scan") == [
        "health_check_scan", "body_composition_scan"
    ]  # fmt: skip
    assert covering(policy, "gift_voucher") == ["gift_voucher"]
    assert covering(policy, "early_pregnancy_scan") == []

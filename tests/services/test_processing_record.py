"""The record of processing beside the disclosure log: every recipient and purpose the policy
states, with what went out under each from the log (counts, patients, last date, categories and
fields actually sent); a disclosure the policy no longer covers is flagged with why; the
controller is named on every activity; the DPO's only, and every look is on the ledger."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_disclosures import REPORT, referred, report
from tests.services.test_policy_change import NEW_NOTICE, variant

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.policy_change import change_policy
from hippocratic.services.processing_record import WHAT, Flow, ProcessingRecord, ProcessingRecords
from hippocratic.services.store import Store

REFERRERS = (
    "    categories: [identity, contact, medical_history, scan_record, maternity_record, referral]\n"
    "    purposes: [care]\n    to_referrer: true"
)
# The clinic decides referrers no longer need a date of birth (after one report carried it).
NO_BIRTH_DATE = (REFERRERS, REFERRERS.replace(
    "    purposes: [care]",
    "    fields: [full_name, gender, nhs_number, email, phone, postal_address, medical_history,\n"
    "             pregnancy_details, scan_images, scan_report, obstetric_report, referrer_name,\n"
    "             referral_letter]\n"
    "    purposes: [care]",
))  # fmt: skip


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def record(clinic: Store, organisation: str = "harmonic", who: str = "dee") -> ProcessingRecord:
    return ProcessingRecords(clinic, actor(organisation, who)).record()


def flow(shown: ProcessingRecord, recipient: str, purpose: str) -> Flow:
    return next(f for f in shown.flows if (f.recipient, f.purpose) == (recipient, purpose))


def sent_report(clinic: Store, again: tuple[str, str] | None = None) -> tuple[str, str]:
    """A report to the referrer on a new patient's referral, or ``again`` on that one."""
    subject, referral_id = again or referred(clinic)
    Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    return subject, referral_id


@pytest.mark.promise("S0-03")
def test_the_record_states_the_controller_on_every_activity_and_each_recipients_terms(
    clinic: Store,
) -> None:
    shown = record(clinic)
    policy = clinic.policy_of("harmonic")
    assert [a.purpose.split(":")[0] for a in shown.activities] == [p.title for p in policy.purposes]
    for activity in shown.activities:
        assert activity.controller == shown.controller
        assert "Harmonic Medical Sonography Limited" in activity.controller
        assert policy.organisation.privacy_contact.email in activity.controller
    stated = {(f.recipient, f.purpose) for f in shown.flows}
    assert stated == {(r.key, p) for r in policy.recipients for p in r.purposes} | {
        (r, p.key) for p in policy.purposes for r in p.recipients
    }
    analytics = flow(shown, "google_analytics", "website_analytics")
    assert analytics.country == "US" and "UK-US data bridge" in analytics.transfer
    mailing = flow(shown, "mailing_services", "marketing")
    assert mailing.fields == [
        "Full name",
        "Email address",
        "Phone number",
        "Marketing choices by channel",
    ]
    assert "2025-11-18) has passed" in (mailing.terms_lapsed or "")
    assert all(f.disclosures == 0 and not f.findings for f in shown.flows)
    assert shown.outside == 0


def test_a_report_to_the_referrer_shows_beside_what_the_policy_allows(
    clinic: Store, clock: FixedClock
) -> None:
    first = sent_report(clinic)
    clock.advance(timedelta(days=3))
    sent_report(clinic, again=first)
    sent_report(clinic)

    shown = record(clinic)
    made = flow(shown, "referrers", "care")
    assert (made.disclosures, made.patients) == (3, 2)
    assert made.last == clock.now() and made.first == clock.now() - timedelta(days=3)
    assert made.bases == ["contract; health_or_social_care"] == [made.basis]
    assert {s.category: (s.disclosures, s.outside) for s in made.sent} == {
        "identity": (3, []),
        "scan_record": (3, []),
    }
    assert sorted(t for s in made.sent for t in s.fields) == sorted(
        clinic.policy_of("harmonic").field_by_key[f].title for f in REPORT
    )
    assert made.findings == [] and shown.outside == 0
    assert flow(shown, "authorities", "legal_disclosure").disclosures == 0


def test_data_sent_before_the_policy_narrowed_is_flagged_as_outside_it(
    clinic: Store, tmp_path: Path
) -> None:
    sent_report(clinic)
    change_policy(clinic, variant(tmp_path, NEW_NOTICE, NO_BIRTH_DATE))

    shown = record(clinic)
    made = flow(shown, "referrers", "care")
    assert "Date of birth" not in (made.fields or [])
    assert [(s.category, s.outside) for s in made.sent] == [
        ("identity", ["Date of birth"]),
        ("scan_record", []),
    ]
    assert made.findings == [
        "Basic personal data went to it (Date of birth), beyond what it may receive for this purpose"
    ]
    assert shown.outside == 1


def test_only_the_dpo_sees_it_and_every_look_is_audited(clinic: Store) -> None:
    with pytest.raises(AccessDenied, match="Data Protection Manager"):
        record(clinic, who="rita")
    record(clinic)
    looks = [e for e in events(clinic) if e.reason == WHAT]
    assert [(e.actor, e.purpose, e.outcome, e.subject_id) for e in looks] == [
        ("rita", "oversight", "denied", None),
        ("dee", "oversight", "allowed", None),
    ]

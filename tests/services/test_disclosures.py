"""Disclosures: a report goes to the referrer on the referral and is logged with its audit
event; every sharing rule refuses with nothing but the refusal's audit event stored; a
corrected date of birth queues an Art. 19 notice to the referrer who had it; the access package
names the recipient actually disclosed to; breach scoping finds what went out in a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.services.clinic import actor, events, hire
from tests.services.test_referrals import refer

from hippocratic.errors import AccessDenied, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.access_formats import package_html
from hippocratic.services.access_package import AccessCollector
from hippocratic.services.art19_notices import Art19Notices
from hippocratic.services.disclosure_gate import Channel, Disclose
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.erasure import Erasure
from hippocratic.services.fraud_markers import FraudMarkers, MarkerSource
from hippocratic.services.records import Records
from hippocratic.services.rectification import Rectification
from hippocratic.services.referrals import Referrals
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.disclosure import Art19NoticeRow, DisclosureItemRow, DisclosureRow

REFERRER = "Dr Example, Example Surgery"
REPORT = ("full_name", "date_of_birth", "scan_report")
LEGAL_REASON = "Court order 2026/0042 under the Senior Courts Act 1981 s.34, served today"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def referred(clinic: Store) -> tuple[str, str]:
    """A referred patient whose referral Sam accepted: (subject, referral id)."""
    referral = refer(clinic)
    subject, referral_id = referral.subject_id, referral.referral_id  # type: ignore[attr-defined]
    Referrals(clinic, actor("harmonic", "rita")).decide(
        subject, referral_id, accept=True, clinician="sam"
    )
    return subject, referral_id


def report(referral_id: str, **changes: object) -> Disclose:
    ask = {
        "recipient": "referrers",
        "purpose": "care",
        "fields": REPORT,
        "channel": Channel.SECURE_EMAIL,
        "referral": referral_id,
        **changes,
    }
    return Disclose(**ask)  # type: ignore[arg-type]


def stored(clinic: Store) -> tuple[int, int, int]:
    with clinic.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(DisclosureRow)) or 0,
            session.scalar(select(func.count()).select_from(DisclosureItemRow)) or 0,
            session.scalar(select(func.count()).select_from(Art19NoticeRow)) or 0,
        )


def refused(clinic: Store, who: str, subject: str, ask: Disclose) -> AccessDenied:
    """The disclosure is refused, its refusal audited, and nothing else stored."""
    before = len(events(clinic))
    with pytest.raises(AccessDenied) as caught:
        Disclosures(clinic, actor("harmonic", who)).disclose(subject, ask)
    assert stored(clinic) == (0, 0, 0)
    last = events(clinic)[before:]
    assert [(e.action, e.outcome, e.subject_id) for e in last] == [("disclose", "denied", subject)]
    return caught.value


def rules(error: AccessDenied) -> list[str]:
    return list((error.details or {})["rules"])


@pytest.mark.promise("S0-54", "S0-74")
def test_a_report_goes_to_the_referrer_on_the_referral_logged_and_audited(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    made = Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    assert (made.recipient, made.party, made.related) == (
        "referrers",
        REFERRER,
        f"referral:{referral_id}",
    )
    assert made.fields == REPORT and made.basis == "contract; health_or_social_care"
    with clinic.sessions() as session:
        row = session.get(DisclosureRow, ("harmonic", made.disclosure_id))
        assert row is not None and (row.decided_by, row.channel) == ("sam", "secure_email")
        items = session.scalars(
            select(DisclosureItemRow.field).where(
                DisclosureItemRow.disclosure_id == made.disclosure_id
            )
        ).all()
        assert sorted(items) == sorted(REPORT)
    event = events(clinic)[-1]
    assert (event.action, event.outcome, event.purpose, event.seq) == (
        "disclose",
        "allowed",
        "care",
        row.audit_seq,
    )
    assert "scan_record" in event.categories


@pytest.mark.promise("S0-74")
def test_a_report_to_anyone_but_the_referrer_or_without_the_referral_is_refused(
    clinic: Store,
) -> None:
    subject, referral_id = referred(clinic)
    error = refused(clinic, "sam", subject, report(referral_id, party="Dr Someone Else"))
    assert rules(error) == ["disclosure:referrers/not_the_referrer"]
    error = refused(clinic, "sam", subject, report("no-such-referral"))
    assert rules(error) == ["disclosure:referrers/referral"]


def test_the_guard_still_decides_a_disclosure_the_sharing_rules_allow(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    error = refused(clinic, "rita", subject, report(referral_id))  # reception: no scan records
    assert "role:reception/purpose:care" in rules(error)
    assert any(rule.startswith("disclosure:masked:") or "category" in rule for rule in rules(error))


@pytest.mark.promise("S0-54")
def test_an_unregistered_recipient_is_refused_and_logged(clinic: Store) -> None:
    subject, _ = referred(clinic)
    ask = Disclose("acme_insurance", "care", ("full_name",), Channel.EMAIL)
    error = refused(clinic, "sam", subject, ask)
    assert rules(error) == ["disclosure:recipient_unknown"]


@pytest.mark.promise("S0-66", "S0-67", "S0-69")
def test_advertisers_and_analytics_never_receive_personal_data(clinic: Store) -> None:
    subject, _ = referred(clinic)
    for recipient, purpose in (
        ("google_ads", "advertising_measurement"),
        ("meta", "advertising_measurement"),
        ("google_analytics", "website_analytics"),
    ):
        ask = Disclose(recipient, purpose, ("email",), Channel.API)
        error = refused(clinic, "mo", subject, ask)
        assert rules(error) == [f"disclosure:{recipient}/no_personal_data"]


@pytest.mark.promise("S0-55")
def test_a_processor_whose_agreement_review_date_passed_receives_nothing(clinic: Store) -> None:
    subject, _ = referred(clinic)
    # Harmonic's hosting agreement was due for review on 2025-11-18; the clock says 2026-11-24.
    ask = Disclose("it_hosting", "care", ("full_name",), Channel.API)
    error = refused(clinic, "sam", subject, ask)
    assert rules(error) == ["disclosure:it_hosting/agreement"]
    assert "2025-11-18" in str(error)


@pytest.mark.promise("S0-64", "S0-65")
def test_a_recipient_gets_only_its_fields_and_only_for_its_purposes(clinic: Store) -> None:
    subject, _ = referred(clinic)
    ask = Disclose("service_providers", "care", ("full_name", "date_of_birth"), Channel.POST)
    error = refused(clinic, "sam", subject, ask)
    assert "disclosure:service_providers/field:date_of_birth" in rules(error)
    assert "disclosure:service_providers/field:full_name" not in rules(error)
    ask = Disclose("payment_provider", "care", ("full_name",), Channel.API)
    assert rules(refused(clinic, "sam", subject, ask)) == [
        "disclosure:payment_provider/purpose:care"
    ]


@pytest.mark.promise("S0-56")
def test_a_share_with_another_controller_needs_the_patient_told_first_or_an_exemption(
    clinic: Store,
) -> None:
    subject, _ = referred(clinic)
    ask = Disclose("credit_reference", "product_scoring", ("full_name",), Channel.API)
    error = refused(clinic, "mo", subject, ask)
    assert rules(error) == ["disclosure:credit_reference/not_told"]
    short = Disclose(**{**ask.__dict__, "exemption": "crime"})
    assert "disclosure:credit_reference/exemption" in rules(refused(clinic, "mo", subject, short))


@pytest.mark.promise("S0-57")
def test_a_share_in_the_patients_interest_needs_their_agreement_first(clinic: Store) -> None:
    subject, _ = referred(clinic)
    told = datetime(2026, 11, 20, tzinfo=UTC)
    ask = Disclose(
        "others_with_consent",
        "discretionary_sharing",
        ("full_name", "medical_history"),
        Channel.SECURE_EMAIL,
        party="Example Physiotherapy Ltd",
        patient_told_at=told,
    )
    error = refused(clinic, "dee", subject, ask)
    assert rules(error) == ["disclosure:discretionary_sharing/not_agreed"]
    # agreed, but no consent to the purpose in the consent ledger: the guard refuses
    agreed = Disclose(**{**ask.__dict__, "agreed_at": told})
    assert "consent:discretionary_sharing" in rules(refused(clinic, "dee", subject, agreed))


@pytest.mark.promise("S0-63", "S0-62")
def test_legal_disclosures_and_business_transfers_are_the_dpos_with_a_legal_reason(
    clinic: Store,
) -> None:
    subject, _ = referred(clinic)
    ask = Disclose(
        "authorities", "legal_disclosure", ("full_name", "medical_history"), Channel.POST
    )
    error = refused(clinic, "dee", subject, ask)
    assert rules(error) == ["disclosure:authorities/legal_reason"]
    transfer = Disclose("successor", "business_transfer", ("full_name",), Channel.API)
    found = rules(refused(clinic, "rita", subject, transfer))
    assert {"disclosure:successor/dpo", "disclosure:successor/legal_reason"} <= set(found)
    made = Disclosures(clinic, actor("harmonic", "dee")).disclose(
        subject, Disclose(**{**ask.__dict__, "justification": LEGAL_REASON})
    )
    assert made.basis == "legal_obligation; legal_claims"
    assert made.justification is not None and made.justification.value == LEGAL_REASON
    with clinic.sessions() as session:
        row = session.get(DisclosureRow, ("harmonic", made.disclosure_id))
        assert row is not None and row.justification and b"Court" not in row.justification


@pytest.mark.promise("S0-52", "S0-60")
def test_a_fraud_check_records_its_basis_and_justification(clinic: Store) -> None:
    subject, _ = referred(clinic)
    ask = Disclose("fraud_agencies", "fraud_agency_check", ("full_name",), Channel.API)
    assert rules(refused(clinic, "bill", subject, ask)) == [
        "disclosure:fraud_agencies/justification"
    ]
    why = "Proceeds of Crime Act 2002 s.330 check required for this payment"
    made = Disclosures(clinic, actor("harmonic", "bill")).disclose(
        subject, Disclose(**{**ask.__dict__, "justification": why})
    )
    assert made.basis == "legal_obligation"
    assert made.justification is None  # billing sees that it is recorded, the DPO reads it
    shown = Disclosures(clinic, actor("harmonic", "dee")).for_patient(subject).items
    assert shown[0].justification is not None and shown[0].justification.value == why


def test_a_disclosure_names_its_data(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    with pytest.raises(InputError):
        Disclosures(clinic, actor("harmonic", "sam")).disclose(
            subject, report(referral_id, fields=())
        )


@pytest.mark.promise("L-03", "S0-111")
def test_rectifying_a_dob_after_a_referral_report_queues_a_notice_to_that_referrer(
    clinic: Store,
) -> None:
    subject, referral_id = referred(clinic)
    made = Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    rights = Rectification(clinic, actor("harmonic", "rita"))
    request = rights.submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "Fix my DOB")
    )
    rights.correct(request.request_id, "postal_address", "1 Example Road, London")
    assert stored(clinic)[2] == 0  # the referrer never had the address
    rights.correct(request.request_id, "date_of_birth", "1990-06-16")
    dpo = Art19Notices(clinic, actor("harmonic", "dee"))
    [notice] = dpo.queue()
    assert (notice.disclosure_id, notice.recipient, notice.change, notice.fields) == (
        made.disclosure_id,
        "referrers",
        "rectification",
        ("date_of_birth",),
    )
    assert notice.source == f"rights_request:{request.request_id}"
    steps = [s.log for s in rights.get(request.request_id).steps]
    assert any("1 recipient(s) to be told (Art. 19)" in (log or "") for log in steps)
    sent = dpo.mark_sent(notice.notice_id)
    assert sent.sent_by == "dee" and dpo.queue() == []
    assert [n.notice_id for n in dpo.queue(pending_only=False)] == [notice.notice_id]
    with pytest.raises(AccessDenied):
        Art19Notices(clinic, actor("harmonic", "rita")).queue()


@pytest.mark.promise("L-03")
def test_restricting_a_patient_queues_a_notice_to_every_recipient(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    Records(clinic, actor("harmonic", "dee")).set_restricted(subject, True)
    [notice] = Art19Notices(clinic, actor("harmonic", "dee")).queue()
    assert notice.change == "restriction" and set(notice.fields) == set(REPORT)


@pytest.mark.promise("S0-110", "L-03")
def test_the_access_package_lists_the_recipient_actually_disclosed_to(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    package = AccessCollector(clinic, actor("harmonic", "dee")).collect(
        subject, "rights_requests", "request-1"
    )
    [sent] = package.information["recipients_disclosed"]
    assert (sent["recipient"], sent["who"]) == ("Referring clinicians and GPs", REFERRER)
    assert "Date of birth" in sent["data"] and "Providing your scan" in sent["purposes"]
    assert package.information["recipients"]  # the policy's kinds of recipient stay beside
    letter = package_html(clinic.policy_of("harmonic"), package)
    assert "Who we have sent it to" in letter and REFERRER in letter


def test_breach_scoping_finds_what_went_to_a_recipient_in_a_window(clinic: Store) -> None:
    subject, referral_id = referred(clinic)
    made = Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    dpo = Disclosures(clinic, actor("harmonic", "dee"))
    start = made.at - timedelta(hours=1)
    [found] = dpo.disclosed_in(start, made.at + timedelta(hours=1), "referrers")
    assert (found.subject_id, sorted(found.fields)) == (subject, sorted(REPORT))
    assert dpo.disclosed_in(start, made.at + timedelta(hours=1), "authorities") == []
    assert dpo.disclosed_in(made.at + timedelta(seconds=1), made.at + timedelta(hours=1)) == []
    assert events(clinic)[-1].reason == "breach scoping"
    with pytest.raises(AccessDenied):
        Disclosures(clinic, actor("harmonic", "sam")).disclosed_in(start, made.at)


@pytest.mark.promise("L-03", "S0-112")
def test_erasing_a_patient_queues_a_notice_to_every_recipient_and_keeps_the_log(
    clinic: Store,
) -> None:
    subject, referral_id = referred(clinic)
    made = Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    erasure = Erasure(clinic, actor("harmonic", "dee"))
    request = erasure.submit(
        NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER, "Delete me")
    )
    plan = erasure.plan(request.request_id)
    assert plan.whole  # no medical record here yet
    assert any("whom we sent your data to" in kept for kept in plan.always_kept)
    erasure.carry_out(request.request_id)
    [notice] = Art19Notices(clinic, actor("harmonic", "dee")).queue()
    assert (notice.disclosure_id, notice.change) == (made.disclosure_id, "erasure")
    assert set(notice.fields) == set(REPORT)
    assert stored(clinic)[:2] == (1, 3)  # what was sent, to whom, stays provable


@pytest.mark.promise("S0-60")
def test_a_fraud_marker_is_shared_only_once_a_person_confirmed_it(clinic: Store) -> None:
    subject, _ = referred(clinic)
    flagged = FraudMarkers(clinic, actor("harmonic", "bill")).record(
        subject,
        "Gave a card in another person's name",
        "The card issuer reported the card holder as a different person",
        MarkerSource.AUTOMATED,
    )
    why = "Sharing a confirmed fraud marker under LIA-HMS-03 with the agency"
    ask = Disclose(
        "fraud_agencies",
        "fraud_prevention",
        ("full_name", "fraud_flag"),
        Channel.API,
        justification=why,
    )
    assert rules(refused(clinic, "bill", subject, ask)) == [
        "disclosure:fraud_agencies/marker_unconfirmed"
    ]
    FraudMarkers(clinic, actor("harmonic", "dee")).review(
        flagged.marker_id, True, "The issuer's report was checked with the card holder"
    )
    made = Disclosures(clinic, actor("harmonic", "bill")).disclose(subject, ask)
    assert made.basis == "legitimate_interests" and "fraud_flag" in made.fields

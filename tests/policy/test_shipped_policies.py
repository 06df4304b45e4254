"""Harmonic's shipped policy says what its seed notice (000) says about who it is, what it
collects and why, and takes the lawful choice where the notice is unlawful or vague
(promises.md section 2, D-nn). Sharing, retention, cookies and rights are in
``test_shipped_harmonic_sharing.py``; Harmony (001) in ``test_shipped_harmony.py``. Each test
fails if the policy file broke a promise it is tagged with."""

from __future__ import annotations

from datetime import date

import pytest
from tests.policy.shipped import CLINICAL, POLICIES, data_category, reveals_health, using

from hippocratic.policy.category import Sensitivity, Source
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import RecipientClass
from hippocratic.policy.settings import (
    MarketingModel,
    RightName,
)
from hippocratic.policy.validator import check_policy

B = LawfulBasis


def test_both_shipped_policies_pass_policy_check() -> None:
    paths = sorted(POLICIES.glob("*.yaml"))
    assert [path.name for path in paths] == [
        "harmonic-medical-sonography.yaml",
        "harmony-healthcare.yaml",
    ]
    for path in paths:
        report = check_policy(path)
        assert report.ok, [str(problem) for problem in report.problems]


@pytest.mark.promise("S0-02")
def test_controller_identity(harmonic: Policy) -> None:
    org = harmonic.organisation
    assert (org.legal_name, org.trading_name) == (
        "Harmonic Medical Sonography Limited",
        "Harmonic Medical Sonography",
    )
    assert org.company_number == "07634829"
    assert org.registered_office.one_line() == (
        "Ground Floor – Parkway One, Parkway Business Centre, Princess Road, Manchester, M14 7LU"
    )


@pytest.mark.promise("S0-109", "S0-120")
def test_privacy_contact_is_a_data_protection_manager_by_email_and_post(harmonic: Policy) -> None:
    contact = harmonic.organisation.privacy_contact
    assert contact.title == "Data Protection Manager"
    assert str(contact.email) == "Admin@harmonicmedicalsonography.com"
    assert contact.phone is None  # the notice offers email and post only
    assert contact.post is not None and contact.post.lines[0] == "Data Protection Manager"
    assert contact.post.postcode == "M14 7LU"
    dpo = harmonic.organisation.dpo
    assert dpo is not None and not dpo.designated  # D-13: a manager, not a designated DPO
    assert set(harmonic.rights.channels) == {"email", "post"}
    authority = harmonic.organisation.supervisory_authority
    assert str(authority.complaint_url) == "https://ico.org.uk/make-a-complaint/"


@pytest.mark.promise("S0-01", "S0-123")
def test_notice_version_is_dated_in_iso_and_has_an_address(harmonic: Policy) -> None:
    assert harmonic.notice.effective_date == date(2024, 11, 18)  # "18/11/24", D-34
    assert str(harmonic.notice.url) == "https://www.harmonicmedicalsonography.com/privacy"


@pytest.mark.promise("S0-14")
def test_collects_exactly_what_the_notice_lists_under_taxonomy_keys(harmonic: Policy) -> None:
    expected = {
        "email": "user.contact.email",
        "phone": "user.contact.phone_number",
        "date_of_birth": "user.demographic.date_of_birth",
        "medical_history": "user.health_and_medical.medical_history",
        "pregnancy_details": "user.health_and_medical.pregnancy",
        "scan_images": "user.health_and_medical.imaging",
        "payment_method": "user.payment",
        "card_number": "user.financial.credit_card",
        "bank_details": "user.financial.bank_account",
    }
    assert {field: data_category(harmonic, field) for field in expected} == expected


@pytest.mark.promise("S0-20", "S0-21", "S0-22", "S0-26")
def test_basic_data_contact_details_and_communications_serve_the_contract(
    harmonic: Policy,
) -> None:
    care = harmonic.purpose_by_key["care"]
    assert care.lawful_basis is B.CONTRACT
    for key in ("identity", "contact", "communications"):
        assert key in care.categories
        assert any(field.required for field in harmonic.category_by_key[key].fields), key
    # S0-21: contact details reach marketing only under a consent purpose.
    for purpose in harmonic.purposes:
        if purpose.data_use.startswith("marketing") and "contact" in purpose.categories:
            assert purpose.lawful_basis is B.CONSENT, purpose.key


@pytest.mark.promise("S0-16", "S0-17", "S0-58")
def test_sources_of_data_are_recorded_per_field(harmonic: Policy) -> None:
    fields = harmonic.field_by_key
    assert fields["enquiry_text"].sources == [Source.DATA_SUBJECT]
    assert Source.PUBLIC_SOURCE in fields["postal_address"].sources  # D-26: an address at most
    assert Source.REFERRER in fields["referral_letter"].sources
    assert fields["credit_reference_data"].sources == [Source.THIRD_PARTY]
    assert fields["submitter_attestation"].sources == [Source.THIRD_PARTY]
    for category in harmonic.categories:
        if category.special_category:
            for field in category.fields:
                assert Source.PUBLIC_SOURCE not in field.sources, field.key


@pytest.mark.promise("S0-19", "S0-32")
def test_only_service_fields_are_required_and_every_field_says_why(harmonic: Policy) -> None:
    fields = harmonic.field_by_key
    assert fields["medical_history"].required and not fields["gender"].required
    for category in harmonic.categories:
        purposes = [harmonic.purpose_by_key[key] for key in using(harmonic, category.key)]
        only_optional_uses = all(p.consent_required for p in purposes)
        for field in category.fields:
            assert len(field.why) > 20 and field.why.endswith("."), field.key
            if only_optional_uses:
                assert not field.required, field.key


@pytest.mark.promise("S0-23")
def test_usage_data_only_with_consent_and_preferences_kept_apart(harmonic: Policy) -> None:
    for key in ("usage", "website_preferences"):
        assert not harmonic.category_by_key[key].special_category
        for purpose_key in using(harmonic, key) - {"rights_requests"}:
            assert harmonic.purpose_by_key[purpose_key].lawful_basis is B.CONSENT, purpose_key
    assert data_category(harmonic, "language_preference") == "user.demographic.language"
    assert "usage" not in harmonic.purpose_by_key["care"].categories


@pytest.mark.promise("S0-24", "S0-26", "S0-27", "S0-30", "S0-37", "S0-39", "S0-41")
def test_every_purpose_has_the_lawful_basis_the_notice_gives_it(harmonic: Policy) -> None:
    assert {p.key: p.lawful_basis for p in harmonic.purposes} == {
        "identify_you": B.CONTRACT,
        "enquiries": B.CONTRACT,
        "care": B.CONTRACT,
        "administration": B.CONTRACT,
        "payment": B.CONTRACT,
        "accounting": B.LEGAL_OBLIGATION,
        "product_scoring": B.CONSENT,
        "optional_service_messages": B.CONSENT,
        "marketing_analysis": B.CONSENT,
        "fraud_agency_check": B.LEGAL_OBLIGATION,
        "fraud_prevention": B.LEGITIMATE_INTERESTS,
        "marketing": B.CONSENT,
        "call_recording": B.CONSENT,
        "communications_monitoring": B.LEGITIMATE_INTERESTS,
        "website_analytics": B.CONSENT,
        "website_preferences": B.CONSENT,
        "advertising_measurement": B.CONSENT,
        "legal_disclosure": B.LEGAL_OBLIGATION,
        "business_transfer": B.LEGITIMATE_INTERESTS,
        "discretionary_sharing": B.CONSENT,
        "rights_requests": B.LEGAL_OBLIGATION,
        "access_audit": B.LEGAL_OBLIGATION,
    }
    assert set(harmonic.purpose_by_key["identify_you"].categories) == {"identity", "contact"}
    for purpose in harmonic.purposes:
        if purpose.lawful_basis is B.LEGAL_OBLIGATION:
            assert purpose.legal_citation, purpose.key
        if purpose.lawful_basis is B.LEGITIMATE_INTERESTS:
            assert (purpose.legitimate_interests_assessment or "").startswith("LIA-HMS-")


@pytest.mark.promise("S0-08", "S0-125", "L-06")
def test_health_data_is_special_and_every_use_of_it_has_an_art9_condition(
    harmonic: Policy,
) -> None:
    special = {c.key for c in harmonic.categories if c.special_category}
    assert special == CLINICAL | {"purchases", "enquiry"}
    for key in special:
        assert harmonic.category_by_key[key].sensitivity is Sensitivity.SPECIAL
    for purpose in harmonic.purposes:
        if special & set(purpose.categories):
            assert purpose.special_condition is not None, purpose.key
        if purpose.special_condition is SpecialCondition.HEALTH_OR_SOCIAL_CARE:
            assert "Sch. 1 Pt 1 para 2" in (purpose.dpa_schedule_1 or ""), purpose.key
    care = harmonic.purpose_by_key["care"]
    assert care.special_condition is SpecialCondition.HEALTH_OR_SOCIAL_CARE
    assert harmonic.category_by_key["purchases"].health_revealing  # D-02


@pytest.mark.promise("S0-33", "S0-71")
def test_clinical_data_is_used_only_for_care_and_what_care_requires(harmonic: Policy) -> None:
    for key in CLINICAL:
        assert using(harmonic, key) == {
            "care",
            "legal_disclosure",
            "business_transfer",
            "discretionary_sharing",
            "rights_requests",
        }, key


@pytest.mark.promise("S0-15", "S0-40", "S0-45")
def test_marketing_analytics_and_profiling_never_touch_health_or_bank_data(
    harmonic: Policy,
) -> None:
    for purpose in harmonic.purposes:
        if purpose.data_use.startswith(("marketing", "analytics", "personalize")):
            assert not any(reveals_health(harmonic, key) for key in purpose.categories)
            assert "payment" not in purpose.categories, purpose.key
    assert using(harmonic, "payment") == {
        "payment",
        "accounting",
        "fraud_prevention",
        "rights_requests",
    }
    analysis = harmonic.purpose_by_key["marketing_analysis"]
    assert analysis.lawful_basis is B.CONSENT and analysis.consent is not None  # D-21


@pytest.mark.promise("S0-43", "S0-44", "S0-46", "S0-12")
def test_marketing_is_explicit_opt_in_per_channel_separate_from_care(harmonic: Policy) -> None:
    marketing = harmonic.marketing
    assert marketing is not None and marketing.model is MarketingModel.OPT_IN  # D-01
    assert marketing.purpose == "marketing" and marketing.suppression_list
    purpose = harmonic.purpose_by_key["marketing"]
    assert purpose.consent is not None
    assert purpose.consent.channels == marketing.channels == ["email", "sms"]
    assert "separate from consent to my medical care" in purpose.consent.wording
    assert "unsubscribe" in purpose.consent.withdrawal
    assert "Admin@harmonicmedicalsonography.com" in purpose.consent.withdrawal
    assert not harmonic.purpose_by_key["care"].consent_required


@pytest.mark.promise("S0-38")
def test_service_scoring_needs_consent_uses_no_health_data_and_can_be_reviewed(
    harmonic: Policy,
) -> None:
    scoring = harmonic.purpose_by_key["product_scoring"]
    assert scoring.lawful_basis is B.CONSENT and scoring.consent is not None
    assert scoring.automated_decision and scoring.profiling
    assert "scoring" in scoring.categories
    assert not any(reveals_health(harmonic, key) for key in scoring.categories)
    assert RightName.AUTOMATED_DECISION_REVIEW in harmonic.rights.offered


@pytest.mark.promise("S0-52")
def test_fraud_agency_checks_run_only_where_a_law_requires_them(harmonic: Policy) -> None:
    check = harmonic.purpose_by_key["fraud_agency_check"]
    assert check.lawful_basis is B.LEGAL_OBLIGATION and check.legal_citation
    assert check.recipients == ["fraud_agencies"]
    agencies = harmonic.recipient_by_key["fraud_agencies"]
    assert agencies.recipient_class is RecipientClass.FRAUD_PREVENTION
    assert set(agencies.purposes) == {"fraud_agency_check", "fraud_prevention"}


@pytest.mark.promise("S0-47", "S0-50", "S0-51")
def test_recording_and_monitoring_need_consent_or_a_balancing_test(harmonic: Policy) -> None:
    recording = harmonic.purpose_by_key["call_recording"]
    assert recording.consent_required and recording.consent is not None
    assert "continues unrecorded" in recording.consent.wording  # D-17
    monitoring = harmonic.purpose_by_key["communications_monitoring"]
    assert "less intrusive" in (monitoring.legitimate_interests_assessment or "")
    assert "call_recording" in harmonic.field_by_key
    roles = harmonic.role_by_key
    assert {"call_recording", "communications_monitoring"} <= set(
        roles["quality_reviewer"].purposes
    )
    assert "communications" not in roles["marketing"].categories

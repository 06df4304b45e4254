"""Each shipped policy says what its seed notice says, and takes the lawful choice where the
notice is unlawful or vague (promises.md section 2, D-nn)."""

from __future__ import annotations

import pytest

from hippocratic.policy.category import MaskKind, Sensitivity
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import RecipientClass, TransferSafeguard
from hippocratic.policy.retention import RetentionAction, RetentionTrigger
from hippocratic.policy.settings import (
    BreachNotificationThreshold,
    FeeRule,
    IdentityCheck,
    MarketingModel,
    RightName,
)
from hippocratic.policy.validator import UK_AND_EEA


def _categories_of(policy: Policy, purpose: str) -> set[str]:
    return set(policy.purpose_by_key[purpose].categories)


def _reveals_health(policy: Policy, key: str) -> bool:
    category = policy.category_by_key[key]
    return category.special_category or category.health_revealing


# Harmonic Medical Sonography (seed 000)


@pytest.mark.promise("S0-02", "S0-109")
def test_harmonic_controller_identity_and_contact(harmonic: Policy) -> None:
    org = harmonic.organisation
    assert org.legal_name == "Harmonic Medical Sonography Limited"
    assert org.company_number == "07634829"
    assert org.registered_office.postcode == "M14 7LU"
    assert "Parkway One" in org.registered_office.one_line()
    assert str(org.privacy_contact.email) == "Admin@harmonicmedicalsonography.com"
    assert org.privacy_contact.title == "Data Protection Manager"
    assert org.dpo is not None and org.dpo.designated is False  # D-13


@pytest.mark.promise("S0-01")
def test_harmonic_notice_date_is_iso(harmonic: Policy) -> None:
    assert harmonic.notice.effective_date.isoformat() == "2024-11-18"


@pytest.mark.promise("S0-14", "S0-20", "S0-21", "S0-22")
def test_harmonic_collects_what_its_notice_lists(harmonic: Policy) -> None:
    fields = harmonic.field_by_key
    for key in (
        "email",
        "phone",
        "date_of_birth",
        "medical_history",
        "card_number",
        "bank_details",
    ):
        assert key in fields
    for category in ("identity", "contact", "communications"):
        assert any(field.required for field in harmonic.category_by_key[category].fields)


@pytest.mark.promise("S0-08", "S0-125", "L-06")
def test_harmonic_health_data_is_special_and_every_use_has_an_art9_condition(
    harmonic: Policy,
) -> None:
    special = {c.key for c in harmonic.categories if c.special_category}
    assert {"medical_history", "scan_record", "maternity_record", "referral", "enquiry"} <= special
    for key in special:
        assert harmonic.category_by_key[key].sensitivity is Sensitivity.SPECIAL
    for purpose in harmonic.purposes:
        if set(purpose.categories) & special:
            assert purpose.special_condition is not None, purpose.key


@pytest.mark.promise("S0-42")
def test_harmonic_scan_purchases_are_treated_as_health_data(harmonic: Policy) -> None:
    assert harmonic.category_by_key["purchases"].health_revealing


@pytest.mark.promise("S0-24", "S0-26", "S0-27", "S0-30", "S0-37")
def test_harmonic_purposes_carry_the_bases_the_notice_lists(harmonic: Policy) -> None:
    bases = {purpose.key: purpose.lawful_basis for purpose in harmonic.purposes}
    assert bases["identify_you"] is LawfulBasis.CONTRACT
    assert bases["care"] is LawfulBasis.CONTRACT
    assert bases["accounting"] is LawfulBasis.LEGAL_OBLIGATION
    assert bases["fraud_prevention"] is LawfulBasis.LEGITIMATE_INTERESTS
    assert (
        harmonic.purpose_by_key["care"].special_condition is SpecialCondition.HEALTH_OR_SOCIAL_CARE
    )


@pytest.mark.promise("S0-38")
def test_harmonic_scoring_runs_only_on_consent_and_without_health_data(harmonic: Policy) -> None:
    scoring = harmonic.purpose_by_key["product_scoring"]
    assert scoring.lawful_basis is LawfulBasis.CONSENT and scoring.consent is not None
    assert scoring.automated_decision
    assert not any(_reveals_health(harmonic, key) for key in scoring.categories)


@pytest.mark.promise("S0-43", "S0-44", "S0-45", "S0-46")
def test_harmonic_marketing_is_explicit_opt_in_without_health_data(harmonic: Policy) -> None:
    assert harmonic.marketing is not None
    assert harmonic.marketing.model is MarketingModel.OPT_IN
    marketing = harmonic.purpose_by_key["marketing"]
    assert marketing.lawful_basis is LawfulBasis.CONSENT
    assert marketing.consent is not None
    assert "separate from consent to my medical care" in marketing.consent.wording
    assert "unsubscribe" in marketing.consent.withdrawal
    for purpose in harmonic.purposes:
        if purpose.data_use.startswith(("marketing", "analytics")):
            assert not any(_reveals_health(harmonic, key) for key in purpose.categories), (
                purpose.key
            )


@pytest.mark.promise("S0-47", "S0-51")
def test_harmonic_call_recording_needs_consent_and_refusal_continues_the_call(
    harmonic: Policy,
) -> None:
    recording = harmonic.purpose_by_key["call_recording"]
    assert recording.consent_required
    assert recording.consent is not None and "continues unrecorded" in recording.consent.wording


@pytest.mark.promise("S0-55", "S0-64", "S0-65")
def test_harmonic_processors_have_contracts(harmonic: Policy) -> None:
    processors = [r for r in harmonic.recipients if r.recipient_class is RecipientClass.PROCESSOR]
    assert len(processors) >= 3
    assert all(r.contract_reference for r in processors)


@pytest.mark.promise("S0-56", "S0-62")
def test_harmonic_tells_patients_before_controller_sharing(harmonic: Policy) -> None:
    assert harmonic.recipient_by_key["successor"].notify_before_sharing
    assert harmonic.recipient_by_key["credit_reference"].notify_before_sharing


@pytest.mark.promise("S0-61", "S0-86", "S0-63", "S0-52")
def test_harmonic_recipients_cover_payment_fraud_and_legal(harmonic: Policy) -> None:
    classes = {r.key: r.recipient_class for r in harmonic.recipients}
    assert classes["payment_provider"] is RecipientClass.PAYMENT_PROVIDER
    assert classes["fraud_agencies"] is RecipientClass.FRAUD_PREVENTION
    assert classes["authorities"] is RecipientClass.REGULATOR
    assert "payment" in harmonic.recipient_by_key["payment_provider"].categories


@pytest.mark.promise("S0-66", "S0-67", "S0-68", "S0-69", "S0-98")
def test_harmonic_advertisers_get_aggregates_and_no_health_data(harmonic: Policy) -> None:
    advertisers = [r for r in harmonic.recipients if r.recipient_class is RecipientClass.ADVERTISER]
    assert {r.key for r in advertisers} == {"google_ads", "meta"}
    for recipient in advertisers:
        assert recipient.aggregated_only
        assert not any(_reveals_health(harmonic, key) for key in recipient.categories)


@pytest.mark.promise("S0-72", "S0-73")
def test_harmonic_every_transfer_outside_the_uk_has_a_safeguard(harmonic: Policy) -> None:
    outside = [r for r in harmonic.recipients if r.country not in UK_AND_EEA]
    assert {r.key for r in outside} == {"google_analytics", "google_ads", "meta"}
    assert all(r.transfer_safeguard is TransferSafeguard.UK_US_DATA_BRIDGE for r in outside)


@pytest.mark.promise("S0-76", "S0-77")
def test_harmonic_medical_records_kept_eight_years_after_last_appointment(harmonic: Policy) -> None:
    rule = harmonic.retention_by_key[harmonic.category_by_key["medical_history"].retention or ""]
    assert rule.trigger is RetentionTrigger.LAST_SEEN
    assert rule.duration is not None and rule.duration.years == 8
    assert rule.action is RetentionAction.REVIEW
    assert rule.citation and "NHS Records Management Code" in rule.citation


@pytest.mark.promise("S0-76")
def test_harmonic_pregnancy_scans_are_kept_as_maternity_records(harmonic: Policy) -> None:
    rule = harmonic.retention_by_key[harmonic.category_by_key["maternity_record"].retention or ""]
    assert rule.duration is not None and rule.duration.years == 25
    child = harmonic.retention_by_key["child_health_record"]
    assert (child.birthday, child.birthday_if_17_at_end) == (25, 26)


@pytest.mark.promise("S0-70", "S0-78")
def test_harmonic_marketing_and_analytics_periods(harmonic: Policy) -> None:
    campaign = harmonic.retention_by_key["campaign_performance"]
    assert campaign.duration is not None and campaign.duration.days == 180
    assert campaign.action is RetentionAction.ANONYMISE
    for key in ("analytics", "marketing_preference"):
        duration = harmonic.retention_by_key[key].duration
        assert duration is not None and duration.months == 24


@pytest.mark.promise("S0-85")
def test_harmonic_cards_show_last_four_digits(harmonic: Policy) -> None:
    card = harmonic.field_by_key["card_number"]
    assert card.card_number
    assert (card.display.kind, card.display.digits) == (MaskKind.LAST_DIGITS, 4)


@pytest.mark.promise("S0-91", "S0-92", "S0-93", "S0-94", "S0-95", "S0-100", "S0-101", "S0-103")
def test_harmonic_cookie_register(harmonic: Policy) -> None:
    assert harmonic.cookies is not None
    definitions = {d.category.value: d for d in harmonic.cookies.categories}
    assert set(definitions) == {
        "essential",
        "performance",
        "functional",
        "analytics",
        "advertising",
    }
    assert not definitions["essential"].consent_required
    assert all(d.consent_required for name, d in definitions.items() if name != "essential")
    cookies = {c.name: c for c in harmonic.cookies.cookies}
    assert cookies["_ga"].vendor == "google_analytics"
    assert cookies["_fbp"].vendor == "meta"
    assert cookies["_gcl_au"].category.value == "advertising"


@pytest.mark.promise("S0-99", "S0-104")
def test_harmonic_vendors_have_opt_out_links(harmonic: Policy) -> None:
    assert harmonic.cookies is not None
    vendors = {v.key: v for v in harmonic.cookies.vendors}
    assert "adssettings.google.com" in str(vendors["google_ads"].opt_out_url)
    assert "facebook.com/adpreferences" in str(vendors["meta"].opt_out_url)


@pytest.mark.promise("S0-110", "S0-111", "S0-112", "S0-117", "S0-120", "S0-121", "S0-116", "S0-88")
def test_harmonic_rights(harmonic: Policy) -> None:
    offered = set(harmonic.rights.offered)
    assert {
        RightName.ACCESS,
        RightName.RECTIFICATION,
        RightName.ERASURE,
        RightName.PORTABILITY,
        RightName.RESTRICTION,
        RightName.OBJECTION,
        RightName.COMPLAIN,
    } <= offered
    assert harmonic.rights.fee is FeeRule.REASONABLE_FEE_IF_MANIFESTLY_UNFOUNDED_OR_EXCESSIVE
    assert harmonic.rights.identity_check is IdentityCheck.REASONABLE_DOUBT


@pytest.mark.promise("S0-122")
def test_harmonic_tells_patients_of_likely_breaches(harmonic: Policy) -> None:
    assert (
        harmonic.breach.subject_notification is BreachNotificationThreshold.ANY_CONFIRMED_OR_LIKELY
    )


@pytest.mark.promise("S0-80")
def test_harmonic_roles_limit_clinical_detail(harmonic: Policy) -> None:
    roles = harmonic.role_by_key
    assert roles["sonographer"].care_relationship_required and roles["sonographer"].break_glass
    assert not {"medical_history", "scan_record", "maternity_record"} & set(
        roles["reception"].categories
    )
    assert not any(_reveals_health(harmonic, key) for key in roles["marketing"].categories)


# Harmony Healthcare (seed 001)


@pytest.mark.promise("S1-01", "S1-39")
def test_harmony_controller_and_dpo_contact(harmony: Policy) -> None:
    org = harmony.organisation
    assert (org.trading_name, org.legal_name) == ("Harmony Healthcare", "Grapecroft Limited")
    assert org.dpo is not None and org.dpo.designated
    assert str(org.privacy_contact.email) == "info@harmonyhealthcare.co.uk"
    assert org.privacy_contact.phone == "0800 292 2331"
    assert org.privacy_contact.post is not None and org.privacy_contact.post.postcode == "SE1 2LX"


@pytest.mark.promise("S1-03")
def test_harmony_claims_its_standards(harmony: Policy) -> None:
    assert {"ISO/IEC 27001", "ISO/IEC 27701"} <= set(harmony.organisation.standards)


@pytest.mark.promise("S1-05", "S1-06", "S1-07", "S1-08", "S1-09", "S1-10")
def test_harmony_collects_its_five_kinds_of_data(harmony: Policy) -> None:
    assert {"identity", "contact", "health", "technical", "usage", "marketing_preferences"} <= set(
        harmony.category_by_key
    )
    assert harmony.category_by_key["health"].special_category
    assert {"ip_address", "browser_details", "pages_visited", "date_of_birth", "gender"} <= set(
        harmony.field_by_key
    )


@pytest.mark.promise("S1-04")
def test_harmony_never_relies_on_consent_by_browsing(harmony: Policy) -> None:
    for purpose in harmony.purposes:
        if purpose.consent_required:
            assert purpose.consent is not None and purpose.consent.wording


@pytest.mark.promise("S1-11", "S1-12", "S1-13", "S1-14", "S1-15", "S1-16")
def test_harmony_purposes(harmony: Policy) -> None:
    purposes = harmony.purpose_by_key
    assert {
        "service_delivery",
        "customer_support",
        "legal_compliance",
        "service_improvement",
        "marketing",
    } <= set(purposes)
    assert purposes["marketing"].lawful_basis is LawfulBasis.CONSENT
    assert purposes["service_improvement"].lawful_basis is LawfulBasis.CONSENT
    assert purposes["service_delivery"].special_condition is SpecialCondition.HEALTH_OR_SOCIAL_CARE
    assert purposes["standards_compliance"].lawful_basis is LawfulBasis.LEGITIMATE_INTERESTS  # D-23


@pytest.mark.promise("S1-17", "S1-31")
def test_harmony_marketing_kept_until_opt_out(harmony: Policy) -> None:
    rule = harmony.retention_by_key[harmony.purpose_by_key["marketing"].retention or ""]
    assert rule.trigger is RetentionTrigger.OPT_OUT
    marketing = harmony.purpose_by_key["marketing"]
    assert marketing.consent is not None and "unsubscribe" in marketing.consent.withdrawal


@pytest.mark.promise("S1-18", "S1-19", "S1-20", "S1-21")
def test_harmony_recipients(harmony: Policy) -> None:
    classes = {r.key: r.recipient_class for r in harmony.recipients}
    assert classes["healthcare_professionals"] is RecipientClass.HEALTHCARE_PROVIDER
    assert classes["it_services"] is RecipientClass.PROCESSOR
    assert classes["customer_support_provider"] is RecipientClass.PROCESSOR
    assert classes["analytics_provider"] is RecipientClass.ANALYTICS
    assert classes["authorities"] is RecipientClass.REGULATOR
    assert "health" not in harmony.recipient_by_key["analytics_provider"].categories


@pytest.mark.promise("S1-22", "S1-23")
def test_harmony_access_by_role_and_sensitivity(harmony: Policy) -> None:
    roles = harmony.role_by_key
    assert "health" not in roles["reception"].categories
    assert "health" not in roles["marketing"].categories
    assert roles["clinician"].care_relationship_required


@pytest.mark.promise("S1-30", "S1-29")
def test_harmony_health_records_follow_the_nhs_code_minimum(harmony: Policy) -> None:
    rule = harmony.retention_by_key[harmony.category_by_key["health"].retention or ""]
    assert rule.duration is not None and rule.duration.years == 8
    assert rule.citation and "NHS Records Management Code" in rule.citation
    assert harmony.retention_by_key["complaint_record"].rationale is not None


@pytest.mark.promise("S1-32", "S1-33", "S1-34", "S1-35", "S1-36", "S1-37", "S1-38")
def test_harmony_rights(harmony: Policy) -> None:
    assert set(harmony.rights.offered) == set(RightName)


@pytest.mark.promise("S1-26")
def test_harmony_breach_threshold_is_the_legal_one(harmony: Policy) -> None:
    assert harmony.breach.subject_notification is BreachNotificationThreshold.HIGH_RISK

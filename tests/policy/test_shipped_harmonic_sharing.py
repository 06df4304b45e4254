"""Harmonic's shipped policy says what its seed notice (000) says about sharing, transfers,
retention, cookies, rights, roles, security and forms (promises.md, D-nn choices beside)."""

from __future__ import annotations

import pytest
from tests.policy.shipped import CLINICAL, reveals_health

from hippocratic.policy.category import MaskKind
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import UK_AND_EEA, RecipientClass, TransferSafeguard
from hippocratic.policy.retention import Period, RetentionAction, RetentionTrigger
from hippocratic.policy.settings import (
    BreachNotificationThreshold,
    FeeRule,
    IdentityCheck,
    RightName,
)

B = LawfulBasis


@pytest.mark.promise("S0-55", "S0-64", "S0-65")
def test_processors_work_under_an_article_28_contract_with_only_what_they_need(
    harmonic: Policy,
) -> None:
    processors = [r for r in harmonic.recipients if r.recipient_class is RecipientClass.PROCESSOR]
    assert {r.key for r in processors} == {"it_hosting", "service_providers", "mailing_services"}
    for recipient in processors:
        assert "Art. 28" in (recipient.contract_reference or "")
        assert recipient.contract_review_date is not None
    for key in ("service_providers", "mailing_services"):
        categories = harmonic.recipient_by_key[key].categories
        assert not any(reveals_health(harmonic, c) for c in categories), key
        assert "payment" not in categories


@pytest.mark.promise("S0-54")
def test_every_disclosure_is_to_a_registered_recipient_for_a_registered_purpose(
    harmonic: Policy,
) -> None:
    for purpose in harmonic.purposes:
        for key in purpose.recipients:
            recipient = harmonic.recipient_by_key[key]
            assert purpose.key in recipient.purposes, (purpose.key, key)
            if not recipient.aggregated_only:  # aggregates come from no category's records
                assert set(recipient.categories) & set(purpose.categories), (purpose.key, key)
    for recipient in harmonic.recipients:
        assert recipient.purposes, recipient.key
        assert recipient.categories or recipient.aggregated_only, recipient.key
        for key in recipient.purposes:
            assert recipient.key in harmonic.purpose_by_key[key].recipients


@pytest.mark.promise("S0-56", "S0-57", "S0-62")
def test_controllers_are_told_about_first_and_discretionary_shares_need_consent(
    harmonic: Policy,
) -> None:
    told_first = {r.key for r in harmonic.recipients if r.notify_before_sharing}
    assert told_first == {"credit_reference", "successor", "others_with_consent"}
    for recipient in harmonic.recipients:
        if recipient.recipient_class in (RecipientClass.CONTROLLER, RecipientClass.SUCCESSOR):
            assert recipient.key in told_first
    sharing = harmonic.purpose_by_key["discretionary_sharing"]
    assert sharing.lawful_basis is B.CONSENT and sharing.consent is not None
    assert sharing.special_condition is SpecialCondition.EXPLICIT_CONSENT
    assert "named above" in sharing.consent.wording


@pytest.mark.promise("S0-59", "S0-61", "S0-63", "S0-86")
def test_payment_and_legal_recipients_get_only_their_data(harmonic: Policy) -> None:
    provider = harmonic.recipient_by_key["payment_provider"]
    assert provider.recipient_class is RecipientClass.PAYMENT_PROVIDER
    assert set(provider.categories) == {"identity", "payment"}
    assert harmonic.field_by_key["card_number"].card_number
    authorities = harmonic.recipient_by_key["authorities"]
    assert authorities.recipient_class is RecipientClass.REGULATOR
    assert authorities.purposes == ["legal_disclosure"]
    assert harmonic.purpose_by_key["legal_disclosure"].legal_citation


@pytest.mark.promise("S0-66", "S0-67", "S0-68", "S0-69", "S0-98")
def test_advertisers_get_aggregate_counts_and_nothing_else(harmonic: Policy) -> None:
    advertisers = [r for r in harmonic.recipients if r.recipient_class is RecipientClass.ADVERTISER]
    assert {r.key for r in advertisers} == {"google_ads", "meta"}
    for recipient in advertisers:
        assert recipient.aggregated_only
        assert recipient.categories == []  # no usage records (IP addresses), no customer lists
    for recipient in harmonic.recipients:
        if recipient.recipient_class is RecipientClass.ANALYTICS:
            assert recipient.categories == ["usage"]


@pytest.mark.promise("S0-72", "S0-73", "S0-94")
def test_every_transfer_outside_the_uk_is_declared_with_its_safeguard(harmonic: Policy) -> None:
    outside = [r for r in harmonic.recipients if r.country not in UK_AND_EEA]
    assert {r.key for r in outside} == {"google_analytics", "google_ads", "meta"}  # D-07
    assert all(r.transfer_safeguard is TransferSafeguard.UK_US_DATA_BRIDGE for r in outside)
    assert harmonic.cookies is not None
    for vendor in harmonic.cookies.vendors:
        assert vendor.recipient in {r.key for r in outside}


@pytest.mark.promise("S0-34", "S0-76", "S0-77")
def test_records_kept_by_the_nhs_code_with_pregnancy_scans_as_maternity_records(
    harmonic: Policy,
) -> None:
    rules = harmonic.retention_by_key
    for category in harmonic.categories:
        assert category.retention in rules, category.key
    adult = rules["adult_health_record"]
    assert (adult.trigger, adult.duration, adult.action) == (
        RetentionTrigger.LAST_SEEN,
        Period(years=8),
        RetentionAction.REVIEW,
    )
    assert "NHS Records Management Code of Practice" in (adult.citation or "")
    for key in ("medical_history", "scan_record", "referral"):
        assert harmonic.category_by_key[key].retention == "adult_health_record"
    maternity = rules[harmonic.category_by_key["maternity_record"].retention or ""]
    assert (maternity.trigger, maternity.duration) == (
        RetentionTrigger.END_OF_TREATMENT,
        Period(years=25),
    )  # D-04: not the notice's 8 years
    child = rules["child_health_record"]
    assert (child.trigger, child.birthday, child.birthday_if_17_at_end) == (
        RetentionTrigger.BIRTHDAY,
        25,
        26,
    )


@pytest.mark.promise("S0-70", "S0-78")
def test_campaign_data_180_days_and_marketing_and_analytics_24_months(harmonic: Policy) -> None:
    rules = harmonic.retention_by_key
    assert harmonic.marketing is not None
    campaign = rules[harmonic.marketing.campaign_retention or ""]
    assert (campaign.duration, campaign.action) == (Period(days=180), RetentionAction.ANONYMISE)
    assert harmonic.category_by_key["campaign_performance"].retention == campaign.key
    for category in ("usage", "marketing_preferences"):
        rule = rules[harmonic.category_by_key[category].retention or ""]
        assert rule.duration == Period(months=24), category


@pytest.mark.promise("S0-85")
def test_cards_show_the_last_four_digits_not_five(harmonic: Policy) -> None:
    card = harmonic.field_by_key["card_number"]
    assert card.card_number
    assert (card.display.kind, card.display.digits) == (MaskKind.LAST_DIGITS, 4)  # D-05


@pytest.mark.promise("S0-09", "S0-91", "S0-92", "S0-93", "S0-95", "S0-103")
def test_five_cookie_categories_and_only_essential_ones_without_consent(harmonic: Policy) -> None:
    assert harmonic.cookies is not None
    definitions = {d.category: d for d in harmonic.cookies.categories}
    assert set(definitions) == set(CookieCategory)
    for category, definition in definitions.items():
        assert definition.consent_required is (category is not CookieCategory.ESSENTIAL)
    for cookie in harmonic.cookies.cookies:
        if cookie.category is CookieCategory.ESSENTIAL:
            assert cookie.vendor is None, cookie.name  # no third-party identifier is essential


@pytest.mark.promise("S0-90", "S0-94", "S0-100")
def test_cookie_register_names_each_cookie_its_vendor_and_lifetime(harmonic: Policy) -> None:
    assert harmonic.cookies is not None
    register = {c.name: (c.category.value, c.vendor, c.lifetime) for c in harmonic.cookies.cookies}
    assert register == {
        "hms_session": ("essential", None, None),
        "hms_consent": ("essential", None, Period(months=6)),
        "hms_lang": ("functional", None, Period(years=1)),
        "_ga": ("analytics", "google_analytics", Period(years=2)),
        "_ga_*": ("analytics", "google_analytics", Period(years=2)),
        "_gcl_au": ("advertising", "google_ads", Period(days=90)),
        "_fbp": ("advertising", "meta", Period(days=90)),
        "_fbc": ("advertising", "meta", Period(days=90)),
    }


@pytest.mark.promise("S0-99", "S0-104")
def test_opt_out_links_and_cookie_withdrawal(harmonic: Policy) -> None:
    assert harmonic.cookies is not None
    links = {v.key: str(v.opt_out_url) for v in harmonic.cookies.vendors}
    assert links == {
        "google_analytics": "https://tools.google.com/dlpage/gaoptout",
        "google_ads": "https://adssettings.google.com/",
        "meta": "https://www.facebook.com/adpreferences",
    }
    for key in ("website_analytics", "advertising_measurement", "website_preferences"):
        consent = harmonic.purpose_by_key[key].consent
        assert consent is not None and "cookie settings" in consent.withdrawal


@pytest.mark.promise(
    "S0-110", "S0-111", "S0-112", "S0-116", "S0-117", "S0-88", "S0-119", "S0-121", "L-02"
)
def test_rights_fee_and_identity_checks(harmonic: Policy) -> None:
    rights = harmonic.rights
    assert set(rights.offered) == set(RightName)  # D-36: the union of both notices
    assert rights.fee is FeeRule.REASONABLE_FEE_IF_MANIFESTLY_UNFOUNDED_OR_EXCESSIVE
    assert rights.identity_check is IdentityCheck.REASONABLE_DOUBT  # D-32
    assert rights.deadline == "one_calendar_month" and rights.extension_allowed
    for purpose in harmonic.purposes:
        if purpose.consent_required:
            assert purpose.consent is not None and purpose.consent.withdrawal, purpose.key


@pytest.mark.promise("S0-122")
def test_patients_are_told_of_a_breach_or_a_likely_breach(harmonic: Policy) -> None:
    threshold = harmonic.breach.subject_notification
    assert threshold is BreachNotificationThreshold.ANY_CONFIRMED_OR_LIKELY  # D-12


@pytest.mark.promise("S0-28", "S0-80", "S0-125")
def test_roles_limit_clinical_detail_to_clinicians_in_a_care_relationship(
    harmonic: Policy,
) -> None:
    roles = harmonic.role_by_key
    sonographer = roles["sonographer"]
    assert sonographer.care_relationship_required and sonographer.break_glass
    assert set(sonographer.categories) >= CLINICAL
    for key in ("reception", "billing", "marketing", "quality_reviewer", "auditor", "it_admin"):
        role = roles[key]
        # reception handles referrals but sees the letter masked
        assert not (CLINICAL - {"referral"}) & set(role.categories), key
        assert not role.break_glass, key
    assert "referral_letter" in roles["reception"].masked_fields
    assert not any(reveals_health(harmonic, key) for key in roles["marketing"].categories)


def test_security_measures_say_tls_and_encryption_at_rest(harmonic: Policy) -> None:
    measures = {m.key: m.description for m in harmonic.security}
    assert "TLS 1.2 or later" in measures["tls"]  # D-06: not "SSL"
    assert "encrypted" in measures["encryption_at_rest"]
    assert "second factor" in measures["staff_mfa"]  # D-28
    assert "last four digits" in measures["card_digits"]


@pytest.mark.promise("S0-74", "S0-126")
def test_referrers_receive_only_what_the_care_they_asked_for_needs(harmonic: Policy) -> None:
    referrers = harmonic.recipient_by_key["referrers"]
    assert referrers.recipient_class is RecipientClass.HEALTHCARE_PROVIDER
    assert referrers.purposes == ["care"]
    assert set(referrers.categories) == {"identity", "contact"} | CLINICAL
    assert "referrer" in harmonic.purpose_by_key["care"].description


@pytest.mark.promise("S0-31", "S0-123")
def test_each_capture_point_has_a_form_whose_fields_its_purposes_cover(harmonic: Policy) -> None:
    assert {"booking", "enquiry", "referral"} <= set(harmonic.form_by_key)
    for form in harmonic.forms:
        covered = {c for key in form.purposes for c in harmonic.purpose_by_key[key].categories}
        for field in form.fields:
            assert harmonic.category_of_field[field].key in covered, (form.key, field)
    assert "referral_letter" in harmonic.form_by_key["referral"].fields

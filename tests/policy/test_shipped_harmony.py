"""Harmony Healthcare's shipped policy says what its seed notice (001) says, and takes the lawful
choice where the notice is unlawful or vague (promises.md section 2, D-nn). Each test fails if
the policy file broke a promise it is tagged with."""

from __future__ import annotations

import pytest
from tests.policy.shipped import data_category, reveals_health, using

from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import RecipientClass, TransferSafeguard
from hippocratic.policy.retention import Period, RetentionAction, RetentionTrigger
from hippocratic.policy.settings import (
    BreachNotificationThreshold,
    FeeRule,
    MarketingModel,
    RightName,
)

B = LawfulBasis
HEALTH = {"health", "enquiry_health"}


@pytest.mark.promise("S1-01")
def test_trading_name_and_legal_entity(harmony: Policy) -> None:
    org = harmony.organisation
    assert (org.trading_name, org.legal_name) == ("Harmony Healthcare", "Grapecroft Limited")
    assert org.display_name == "Harmony Healthcare"


@pytest.mark.promise("S1-39")
def test_designated_dpo_reached_by_email_phone_and_post(harmony: Policy) -> None:
    contact = harmony.organisation.privacy_contact
    assert contact.title == "Data Protection Officer"
    assert str(contact.email) == "info@harmonyhealthcare.co.uk"
    assert contact.phone == "0800 292 2331"
    assert contact.post is not None
    assert contact.post.one_line().endswith("34 Lafone Street, London, SE1 2LX")
    dpo = harmony.organisation.dpo
    assert dpo is not None and dpo.designated  # D-13
    assert set(harmony.rights.channels) == {"email", "phone", "post"}


@pytest.mark.promise("S1-03")
def test_claims_iso_27001_and_27701(harmony: Policy) -> None:
    assert {"ISO/IEC 27001", "ISO/IEC 27701"} <= set(harmony.organisation.standards)


@pytest.mark.promise("S1-05", "S1-06", "S1-08", "S1-09", "S1-10")
def test_the_five_kinds_of_data_with_their_fields(harmony: Policy) -> None:
    assert set(harmony.category_by_key) == {
        "identity",
        "contact",
        "health",
        "enquiry_health",
        "technical",
        "usage",
        "marketing_preferences",
        "requests",
        "financial",
        # version 2: implied by "provide healthcare services" and "manage our relationship"
        "services_booked",
        "communications",
    }
    expected = {
        "full_name": "user.name",
        "date_of_birth": "user.demographic.date_of_birth",
        "gender": "user.demographic.gender",
        "email": "user.contact.email",
        "phone": "user.contact.phone_number",
        "ip_address": "user.device.ip_address",
        "browser_type": "user.device",
        "time_zone": "user.device",
        "device_type": "user.device",
        "pages_visited": "user.behavior.browsing_history",
        "session_duration": "user.behavior.browsing_history",
        "referral_source": "user.behavior.browsing_history",
        "marketing_consent": "user.privacy_preferences",
    }
    assert {field: data_category(harmony, field) for field in expected} == expected
    assert not harmony.field_by_key["gender"].required  # S1-06: optional


@pytest.mark.promise("S1-07")
def test_enquiry_health_details_are_special_and_kept_apart(harmony: Policy) -> None:
    enquiry = harmony.category_by_key["enquiry_health"]
    assert enquiry.special_category and enquiry.data_category == "user.health_and_medical.enquiry"
    rule = harmony.retention_by_key[enquiry.retention or ""]
    assert (rule.trigger, rule.action) == (
        RetentionTrigger.LAST_INTERACTION,
        RetentionAction.DELETE,
    )
    assert enquiry.retention != harmony.category_by_key["health"].retention
    assert not harmony.field_by_key["health_details"].required
    for key in using(harmony, "enquiry_health"):
        assert harmony.purpose_by_key[key].special_condition is not None, key


@pytest.mark.promise("S1-08")
def test_technical_data_kept_briefly_for_security_only(harmony: Policy) -> None:
    assert using(harmony, "technical") == {"security", "standards_compliance", "rights_requests"}
    rule = harmony.retention_by_key[harmony.category_by_key["technical"].retention or ""]
    assert rule.duration is not None and rule.duration.days <= 90 and not rule.duration.months


@pytest.mark.promise("S1-09", "S1-15")
def test_usage_data_only_with_consent_and_analysed_as_aggregates(harmony: Policy) -> None:
    for key in using(harmony, "usage") - {"rights_requests"}:
        assert harmony.purpose_by_key[key].lawful_basis is B.CONSENT, key
    improvement = harmony.purpose_by_key["service_improvement"]
    assert improvement.categories == ["usage"] and improvement.consent is not None
    assert harmony.recipient_by_key["analytics_provider"].aggregated_only
    assert harmony.cookies is not None
    analytics = next(c for c in harmony.cookies.categories if c.category.value == "analytics")
    assert analytics.consent_required  # D-27


@pytest.mark.promise("S1-04")
def test_nothing_relies_on_consent_by_browsing(harmony: Policy) -> None:
    for purpose in harmony.purposes:
        if HEALTH & set(purpose.categories):
            assert purpose.lawful_basis is not B.CONSENT, purpose.key  # D-11
        if purpose.consent_required:
            assert purpose.consent is not None, purpose.key
            assert "by using" not in purpose.consent.wording.lower()


@pytest.mark.promise("S1-02", "S1-11", "S1-12", "S1-13", "S1-14")
def test_every_purpose_has_its_lawful_basis(harmony: Policy) -> None:
    assert {p.key: p.lawful_basis for p in harmony.purposes} == {
        "service_delivery": B.CONTRACT,
        "enquiries": B.CONTRACT,
        "relationship_management": B.CONTRACT,
        "customer_support": B.CONTRACT,
        "legal_compliance": B.LEGAL_OBLIGATION,
        "accounting": B.LEGAL_OBLIGATION,
        "standards_compliance": B.LEGITIMATE_INTERESTS,
        "service_improvement": B.CONSENT,
        "security": B.LEGITIMATE_INTERESTS,
        "marketing": B.CONSENT,
        "rights_requests": B.LEGAL_OBLIGATION,
        "access_audit": B.LEGAL_OBLIGATION,
    }
    for key in ("service_delivery", "enquiries"):
        purpose = harmony.purpose_by_key[key]
        assert purpose.special_condition is SpecialCondition.HEALTH_OR_SOCIAL_CARE
        assert "Sch. 1 Pt 1 para 2" in (purpose.dpa_schedule_1 or "")
    assert "health" in harmony.purpose_by_key["service_delivery"].categories  # not only the site
    assert using(harmony, "requests") >= {"customer_support"}
    assert "requests" not in harmony.role_by_key["marketing"].categories
    assert harmony.category_by_key["requests"].retention == "complaint_record"
    # S1-14, D-23: ISO work is legitimate interests; legal obligation cites law, not ISO.
    for purpose in harmony.purposes:
        if purpose.lawful_basis is B.LEGAL_OBLIGATION:
            assert purpose.legal_citation and "ISO" not in purpose.legal_citation
    assert "ISO/IEC 27001" in (
        harmony.purpose_by_key["standards_compliance"].legitimate_interests_assessment or ""
    )


@pytest.mark.promise("L-06")
def test_every_use_of_health_data_has_an_art9_condition(harmony: Policy) -> None:
    for purpose in harmony.purposes:
        if any(reveals_health(harmony, key) for key in purpose.categories):
            assert purpose.special_condition is not None, purpose.key


@pytest.mark.promise("S1-16", "S1-17", "S1-31")
def test_marketing_only_after_opt_in_and_kept_until_opt_out(harmony: Policy) -> None:
    assert harmony.marketing is not None
    assert harmony.marketing.model is MarketingModel.OPT_IN and harmony.marketing.suppression_list
    marketing = harmony.purpose_by_key["marketing"]
    assert marketing.lawful_basis is B.CONSENT and marketing.consent is not None
    assert "unsubscribe" in marketing.consent.withdrawal
    rule = harmony.retention_by_key[marketing.retention or ""]
    assert (rule.trigger, rule.action) == (RetentionTrigger.OPT_OUT, RetentionAction.DELETE)
    assert harmony.category_by_key["marketing_preferences"].retention == rule.key
    assert not any(reveals_health(harmony, key) for key in marketing.categories)


@pytest.mark.promise("S1-18", "S1-19", "S1-20", "S1-21")
def test_the_three_kinds_of_recipient_and_nothing_else(harmony: Policy) -> None:
    assert {r.recipient_class for r in harmony.recipients} == {
        RecipientClass.HEALTHCARE_PROVIDER,
        RecipientClass.PROCESSOR,
        RecipientClass.REGULATOR,
    }
    professionals = harmony.recipient_by_key["healthcare_professionals"]
    assert professionals.purposes == ["service_delivery"]
    for recipient in harmony.recipients:
        assert recipient.country == "GB" and recipient.transfer_safeguard is TransferSafeguard.NONE
        if recipient.recipient_class is RecipientClass.PROCESSOR:
            assert "Art. 28" in (recipient.contract_reference or "")
            assert recipient.contract_review_date is not None
    assert not HEALTH & set(harmony.recipient_by_key["analytics_provider"].categories)
    authorities = harmony.recipient_by_key["authorities"]
    for key in authorities.purposes:
        assert harmony.purpose_by_key[key].lawful_basis is B.LEGAL_OBLIGATION


@pytest.mark.promise("S1-22", "S1-23", "S1-25")
def test_access_by_sensitivity_role_and_necessity(harmony: Policy) -> None:
    for category in harmony.categories:
        assert (category.sensitivity == "special") is category.special_category, category.key
    roles = harmony.role_by_key
    assert roles["clinician"].care_relationship_required and roles["clinician"].break_glass
    for key in ("reception", "support", "marketing", "billing", "incident_response", "it_admin"):
        assert "health" not in roles[key].categories, key
        assert not roles[key].break_glass, key
    assert "health_details" in roles["reception"].masked_fields
    assert "incident_response" in roles


def test_encryption_in_transit_and_at_rest(harmony: Policy) -> None:
    measures = {m.key: m.description for m in harmony.security}
    assert "TLS 1.2 or later" in measures["encryption"]  # D-06
    assert "at rest is encrypted" in measures["encryption"]


@pytest.mark.promise("S1-27")
def test_every_category_serves_a_purpose_and_every_form_field_its_forms_purposes(
    harmony: Policy,
) -> None:
    for category in harmony.categories:
        assert using(harmony, category.key), category.key
    assert {"contact", "booking"} <= set(harmony.form_by_key)
    for form in harmony.forms:
        covered = {c for key in form.purposes for c in harmony.purpose_by_key[key].categories}
        for field in form.fields:
            assert harmony.category_of_field[field].key in covered, (form.key, field)


@pytest.mark.promise("S1-28", "S1-29", "S1-30")
def test_retention_follows_the_code_accounting_law_and_says_why(harmony: Policy) -> None:
    for rule in harmony.retention:
        assert rule.rationale is not None and rule.citation, rule.key
    for category in harmony.categories:
        assert category.retention in harmony.retention_by_key, category.key
    health = harmony.retention_by_key[harmony.category_by_key["health"].retention or ""]
    assert (health.trigger, health.duration, health.action) == (
        RetentionTrigger.LAST_SEEN,
        Period(years=8),
        RetentionAction.REVIEW,
    )  # D-22: not "only as long as necessary to provide ongoing care"
    assert "NHS Records Management Code of Practice" in (health.citation or "")
    financial = harmony.retention_by_key[harmony.category_by_key["financial"].retention or ""]
    assert (financial.trigger, financial.duration) == (
        RetentionTrigger.FINANCIAL_YEAR_END,
        Period(years=6),
    )
    assert harmony.purpose_by_key["accounting"].categories == ["identity", "contact", "financial"]


@pytest.mark.promise("S1-32", "S1-33", "S1-34", "S1-35", "S1-36", "S1-37", "S1-38", "L-02")
def test_rights_are_the_union_of_both_notices(harmony: Policy) -> None:
    assert set(harmony.rights.offered) == set(RightName)  # D-36
    assert harmony.rights.fee is FeeRule.FREE  # D-31: the notice is silent, so no fee
    for purpose in harmony.purposes:
        if purpose.consent_required:
            assert purpose.consent is not None and purpose.consent.withdrawal, purpose.key


@pytest.mark.promise("S1-26")
def test_people_are_told_of_high_risk_breaches(harmony: Policy) -> None:
    threshold = harmony.breach.subject_notification
    assert threshold is BreachNotificationThreshold.HIGH_RISK  # D-12

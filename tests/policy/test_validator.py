"""Every validation rule fires on a crafted bad file, at the right line, with a fix to act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from hippocratic.policy.validator import check_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.mark.parametrize("name", ["harmonic-medical-sonography.yaml", "harmony-healthcare.yaml"])
def test_shipped_policies_are_sound(name: str) -> None:
    report = check_policy(POLICIES / name)
    assert report.problems == []
    assert report.ok


def _only(path: Path, rule: str) -> list[tuple[int, str, str]]:
    report = check_policy(path)
    return [(p.line, p.path, p.message) for p in report.problems if p.rule == rule]


@pytest.mark.promise("S0-85")
def test_card_number_showing_more_than_four_digits_is_refused(mutated) -> None:
    path, line = mutated(
        "display: {kind: last_digits, digits: 4}", "display: {kind: last_digits, digits: 5}"
    )
    found = _only(path, "card.display")
    assert found == [
        (
            line,
            "categories[payment].fields[card_number].display",
            "card number display shows 5 digits",
        )
    ]
    assert "PCI DSS v4.0 req. 3.4.1" in check_policy(path).problems[0].fix


@pytest.mark.promise("S0-85")
def test_card_number_shown_in_full_is_refused(mutated) -> None:
    path, line = mutated("display: {kind: last_digits, digits: 4}", "display: {kind: full}")
    assert [f[0] for f in _only(path, "card.display")] == [line]


@pytest.mark.promise("S0-08", "L-06")
def test_special_category_without_art9_condition_is_refused(mutated) -> None:
    path, _ = mutated(
        "    special_condition: health_or_social_care\n", "", after="  - key: enquiries\n"
    )
    found = _only(path, "art9.missing")
    assert len(found) == 1
    _, where, message = found[0]
    assert where == "purposes[enquiries].categories"
    assert "enquiry" in message


@pytest.mark.promise("L-06")
def test_health_care_condition_needs_its_schedule_1_condition(mutated) -> None:
    path, _ = mutated(
        "    dpa_schedule_1: Sch. 1 Pt 1 para 2 (health or social care purposes)\n",
        "",
        after="  - key: care\n",
    )
    found = _only(path, "art9.schedule1_missing")
    assert [where for _, where, _ in found] == ["purposes[care].special_condition"]


@pytest.mark.promise("S0-27")
def test_legal_obligation_without_citation_is_refused(mutated) -> None:
    path, _ = mutated("    legal_citation: UK GDPR Arts. 12-22\n", "")
    found = _only(path, "basis.citation_missing")
    assert [where for _, where, _ in found] == ["purposes[rights_requests].lawful_basis"]


@pytest.mark.promise("S0-30")
def test_legitimate_interests_without_assessment_is_refused(mutated) -> None:
    path, _ = mutated(
        "    legitimate_interests_assessment: LIA-HMS-05 Continuity of care on a business transfer\n",
        "",
    )
    found = _only(path, "basis.lia_missing")
    assert [where for _, where, _ in found] == ["purposes[business_transfer].lawful_basis"]


@pytest.mark.promise("S0-45", "S0-67", "S0-69", "S0-96")
def test_advertiser_allowed_health_data_is_refused(mutated) -> None:
    path, line = mutated(
        "    categories: [usage]\n    purposes: [advertising_measurement]\n    aggregated_only: true\n",
        "    categories: [usage, purchases]\n    purposes: [advertising_measurement]\n"
        "    aggregated_only: true\n",
    )
    found = _only(path, "recipient.health_to_marketing")
    assert [(at, where) for at, where, _ in found] == [
        (line, "recipients[google_ads].categories[1]")
    ]
    assert "purchases" in found[0][2]


@pytest.mark.promise("S0-45")
def test_marketing_purpose_using_health_data_is_refused(mutated) -> None:
    path, _ = mutated(
        "    categories: [identity, contact, marketing_preferences]\n",
        "    categories: [identity, contact, marketing_preferences, medical_history]\n",
        after="  - key: marketing\n",
    )
    found = _only(path, "recipient.health_to_marketing")
    assert any(where == "purposes[marketing].categories" for _, where, _ in found)


@pytest.mark.promise("S0-72", "S0-73")
def test_transfer_outside_uk_without_safeguard_is_refused(mutated) -> None:
    path, _ = mutated(
        "    transfer_safeguard: uk_us_data_bridge\n    contract_reference: Google Ads Data Processing Terms\n",
        "    contract_reference: Google Ads Data Processing Terms\n",
    )
    found = _only(path, "transfer.no_safeguard")
    assert [where for _, where, _ in found] == ["recipients[google_analytics].transfer_safeguard"]
    assert "US" in found[0][2]


@pytest.mark.promise("S0-34", "S1-28")
def test_category_without_retention_rule_is_refused(mutated) -> None:
    path, _ = mutated("    retention: fraud_record\n", "")
    found = _only(path, "retention.missing")
    assert [where for _, where, _ in found] == ["categories[fraud_markers]"]


@pytest.mark.promise("S1-28")
def test_retention_rule_without_rationale_or_citation_is_refused(mutated) -> None:
    path, _ = mutated(
        "    rationale: legal\n    citation: Limitation Act 1980 s.5 (six years for claims in contract)\n",
        "",
        after="  - key: fraud_record\n",
    )
    report = check_policy(path)
    rules = {(p.rule, p.path) for p in report.problems}
    assert ("retention.rationale_missing", "retention[fraud_record]") in rules
    assert ("retention.citation_missing", "retention[fraud_record]") in rules


@pytest.mark.promise("S0-07", "S0-25")
def test_consent_purpose_without_wording_is_refused(mutated) -> None:
    path, _ = mutated(
        "    consent:\n      wording: This call may be recorded for quality and training. Say no and the call continues unrecorded.\n"
        "      withdrawal: Tell us during the call, or ask later for the recording to be deleted.\n",
        "",
    )
    found = _only(path, "consent.wording_missing")
    assert [where for _, where, _ in found] == ["purposes[call_recording].lawful_basis"]


def test_unknown_reference_is_refused_with_the_known_keys(mutated) -> None:
    path, line = mutated(
        "    recipients: [referrers, it_hosting, service_providers]",
        "    recipients: [referrers, it_hosting, service_provider]",
    )
    report = check_policy(path)
    found = [p for p in report.problems if p.rule == "ref.unknown"]
    assert [(p.line, p.path) for p in found] == [(line, "purposes[care].recipients[2]")]
    assert "service_providers" in found[0].fix


def test_unknown_taxonomy_key_gets_a_suggestion(mutated) -> None:
    path, line = mutated(
        "    data_category: user.contact.email", "    data_category: user.contact.emial"
    )
    found = [p for p in check_policy(path).problems if p.rule == "taxonomy.unknown_category"]
    assert [(p.line, p.path) for p in found] == [
        (line, "categories[contact].fields[email].data_category")
    ]
    assert "user.contact.email" in found[0].fix


def test_unknown_data_use_is_refused(mutated) -> None:
    path, line = mutated("    data_use: marketing.communications", "    data_use: marketing.spam")
    found = [p for p in check_policy(path).problems if p.rule == "taxonomy.unknown_use"]
    assert [p.line for p in found] == [line]


def test_duplicate_purpose_key_is_refused(mutated) -> None:
    path, line = mutated("  - key: enquiries\n", "  - key: identify_you\n")
    found = [p for p in check_policy(path).problems if p.rule == "ref.duplicate"]
    assert [p.line for p in found] == [line]


@pytest.mark.promise("S0-06")
def test_form_field_serving_none_of_its_purposes_is_refused(mutated) -> None:
    path, line = mutated(
        "    fields: [full_name, email, phone, enquiry_text]",
        "    fields: [full_name, email, phone, enquiry_text, card_number]",
    )
    found = [p for p in check_policy(path).problems if p.rule == "form.field_uncovered"]
    assert [(p.line, p.path) for p in found] == [(line, "forms[enquiry].fields[4]")]


@pytest.mark.promise("S0-104", "S0-95")
def test_advertising_cookies_can_never_be_exempt_from_consent(mutated) -> None:
    path, line = mutated(
        "      description: Google Ads and the Meta Pixel measure our adverts; never health-based targeting.\n      consent_required: true",
        "      description: Google Ads and the Meta Pixel measure our adverts; never health-based targeting.\n      consent_required: false",
    )
    found = [p for p in check_policy(path).problems if p.rule == "cookie.consent_exempt"]
    assert [(p.line, p.path) for p in found] == [
        (line + 1, "cookies.categories[4].consent_required")
    ]


@pytest.mark.promise("S0-08", "S1-22")
def test_health_data_not_marked_special_is_refused(mutated) -> None:
    path, _ = mutated(
        "    special_category: true\n    sensitivity: special\n    retention: enquiry_record",
        "    sensitivity: personal\n    retention: enquiry_record",
    )
    rules = {(p.rule, p.path) for p in check_policy(path).problems}
    assert ("category.health_not_special", "categories[enquiry].special_category") in rules


def test_problems_are_sorted_by_line_and_all_reported(mutated) -> None:
    path, _ = mutated("display: {kind: last_digits, digits: 4}", "display: {kind: full}")
    path.write_text(path.read_text().replace("    legal_citation: UK GDPR Arts. 12-22\n", ""))
    report = check_policy(path)
    assert [p.rule for p in report.problems] == ["card.display", "basis.citation_missing"]
    assert report.problems[0].line < report.problems[1].line


@pytest.mark.promise("S0-76", "S0-77")
def test_pregnancy_scans_kept_only_eight_years_are_refused(mutated) -> None:
    path, _ = mutated("    duration: {years: 25}", "    duration: {years: 8}")
    found = [p for p in check_policy(path).problems if p.rule == "retention.below_minimum"]
    assert [p.path for p in found] == ["retention[maternity_record].duration"]
    assert "25 years" in found[0].fix


@pytest.mark.promise("S1-30")
def test_healthcare_retention_cannot_be_shortened_to_ongoing_care(mutated) -> None:
    path, _ = mutated(
        "    duration: {years: 8}",
        "    duration: {years: 2}",
        source=Path(__file__).resolve().parents[2] / "policies" / "harmony-healthcare.yaml",
    )
    found = [p for p in check_policy(path).problems if p.rule == "retention.below_minimum"]
    assert [p.path for p in found] == ["retention[health_record].duration"]


def test_children_kept_past_only_the_18th_birthday_are_refused(mutated) -> None:
    path, _ = mutated("    birthday: 25\n", "    birthday: 18\n")
    found = [p for p in check_policy(path).problems if p.rule == "retention.below_minimum"]
    assert [p.path for p in found] == ["retention[child_health_record].birthday"]


def test_a_longer_period_needs_a_justification(mutated) -> None:
    path, _ = mutated("    duration: {years: 25}", "    duration: {years: 30}")
    found = [p for p in check_policy(path).problems if p.rule == "retention.extension_unjustified"]
    assert [p.path for p in found] == ["retention[maternity_record].extension_justification"]


def test_an_unknown_legal_source_is_refused(mutated) -> None:
    path, _ = mutated("    source: limitation_act_1980", "    source: folklore")
    found = [p for p in check_policy(path).problems if p.rule == "retention.unknown_source"]
    assert [p.path for p in found] == ["retention[fraud_record].source"]

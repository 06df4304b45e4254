"""Special-category data (Art. 9): labelled, and never used without a condition."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

from hippocratic.policy.validator import check_policy


@pytest.mark.promise("S0-08", "L-06")
def test_special_category_used_without_an_art9_condition_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    special_condition: health_or_social_care\n    dpa_schedule_1: Sch. 1 Pt 1 para 2 (health or social care purposes)\n",
        "",
    )
    found = fired(path, "art9.missing")
    assert [(p.line, p.path) for p in found] == [
        (
            line_of(path, "categories: [identity, contact, medical_history"),
            "purposes[care].categories",
        )
    ]
    assert "medical_history" in found[0].message and "purchases" in found[0].message


@pytest.mark.promise("S0-08", "L-06")
def test_health_revealing_data_counts_as_special_for_art9(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [identity, payment]",
        "    categories: [identity, payment, purchases]",
        after="key: billing",
    )
    found = fired(path, "art9.missing")
    assert [(p.line, p.path) for p in found] == [(line, "purposes[billing].categories")]
    assert "purchases" in found[0].message


@pytest.mark.promise("L-06")
def test_a_schedule_1_condition_is_needed_for_health_or_social_care(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    dpa_schedule_1: Sch. 1 Pt 1 para 2 (health or social care purposes)\n", ""
    )
    found = fired(path, "art9.schedule1_missing")
    assert [(p.line, p.path) for p in found] == [(line - 1, "purposes[care].special_condition")]
    assert "DPA 2018 Sch. 1" in found[0].message


def test_explicit_consent_needs_no_schedule_1_condition(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    special_condition: health_or_social_care\n    dpa_schedule_1: Sch. 1 Pt 1 para 2 (health or social care purposes)\n",
        "    special_condition: explicit_consent\n    consent: {wording: I agree., withdrawal: Tell us.}\n",
    )
    assert check_policy(path).problems == []


@pytest.mark.promise("S1-22")
def test_a_special_category_must_be_classed_special(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    sensitivity: special", "    sensitivity: personal")
    found = fired(path, "category.sensitivity")
    assert [(p.line, p.path) for p in found] == [(line, "categories[medical_history].sensitivity")]


@pytest.mark.promise("S0-08", "S1-22")
def test_health_data_not_marked_special_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    special_category: true\n    sensitivity: special\n",
        "    sensitivity: personal\n",
    )
    found = fired(path, "category.health_not_special")
    assert [(p.line, p.path) for p in found] == [
        (line - 1, "categories[medical_history].data_category")
    ]


@pytest.mark.promise("S0-08")
def test_a_health_field_in_an_ordinary_category_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "        why: To book the right scan and sonographer.\n",
        "        why: To book the right scan and sonographer.\n        data_category: user.health_and_medical.imaging\n",
    )
    assert where(path, "category.health_not_special") == [
        (line + 1, "categories[purchases].fields[scan_type].data_category")
    ]


def test_other_special_categories_must_be_marked_too(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    data_category: user.name\n",
        "    data_category: user.demographic.race_ethnicity\n",
    )
    assert where(path, "category.special_not_marked") == [
        (line, "categories[identity].data_category")
    ]


@pytest.mark.promise("S0-45", "S0-67")
def test_a_health_field_makes_its_category_health_data_for_every_check(tmp_path: Path) -> None:
    """Marked neither special nor health-revealing, a category with one health field still
    needs an Art. 9 condition and still may not reach analytics or advertisers."""
    path, line = mutate(
        tmp_path,
        "        why: To see which pages help people.\n",
        "        why: To see which pages help people.\n"
        "        data_category: user.health_and_medical.enquiry\n",
    )
    assert where(path, "category.health_not_special") == [
        (line + 1, "categories[usage].fields[page_views].data_category")
    ]
    assert {p.path for p in fired(path, "art9.missing")} == {
        "purposes[site_analytics].categories",
        "purposes[ad_measurement].categories",
    }
    assert {
        "recipients[web_analytics].categories[0]",
        "recipients[ad_network].categories[0]",
        "purposes[site_analytics].categories",
    } <= {p.path for p in fired(path, "recipient.health_to_marketing")}

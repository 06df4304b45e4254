"""The Article 30 record is generated from the policy, one complete row per purpose."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from hippocratic.policy.document import Policy
from hippocratic.policy.loader import load_policy
from hippocratic.policy.ropa import COLUMNS, build_ropa, render_ropa


@pytest.mark.promise("L-04", "S0-03")
def test_every_article_30_column_is_filled_for_every_purpose(
    harmonic: Policy, harmony: Policy
) -> None:
    for policy in (harmonic, harmony):
        entries = build_ropa(policy)
        assert len(entries) == len(policy.purposes)
        for entry in entries:
            for name in COLUMNS:
                assert getattr(entry, name).strip(), (entry.purpose, name)
            assert policy.organisation.legal_name in entry.controller


@pytest.mark.promise("L-06")
def test_art9_condition_is_recorded_beside_the_basis(harmonic: Policy) -> None:
    care = next(e for e in build_ropa(harmonic) if e.purpose.startswith("Providing your scan"))
    assert "Art. 9(2)(h)" in care.special_condition
    assert "Sch. 1 Pt 1 para 2" in care.special_condition
    identify = next(e for e in build_ropa(harmonic) if e.purpose.startswith("Identifying you"))
    assert identify.special_condition.startswith("not applicable")


def test_third_country_transfers_are_recorded(harmonic: Policy) -> None:
    ads = next(e for e in build_ropa(harmonic) if e.purpose.startswith("Measuring our adverts"))
    assert "Google Ads (Google LLC): US" in ads.transfers
    assert "UK-US data bridge" in ads.transfers


def test_csv_has_one_header_and_a_row_per_purpose(harmony: Policy) -> None:
    rows = list(csv.reader(io.StringIO(render_ropa(harmony, "csv"))))
    assert rows[0] == list(COLUMNS.values())
    assert len(rows) == len(harmony.purposes) + 1


def test_markdown_names_the_controller(harmony: Policy) -> None:
    text = render_ropa(harmony, "md")
    assert text.startswith("# Record of processing activities: Grapecroft Limited")
    assert "Data Protection Officer: info@harmonyhealthcare.co.uk" in text


CLINIC = Path(__file__).parent / "fixtures" / "render_clinic.yaml"


@pytest.fixture(scope="module")
def clinic() -> Policy:
    return load_policy(CLINIC)


@pytest.mark.promise("S0-03", "L-04")
def test_each_activity_has_article_30_a_to_g(clinic: Policy) -> None:
    entries = {entry.purpose.split(":")[0]: entry for entry in build_ropa(clinic)}
    assert list(entries) == [p.title for p in clinic.purposes]
    treatment = entries["Treating your injury"]
    assert treatment.controller == (
        "Riverside Physiotherapy Ltd (company 12345678), 1 Example Wharf, Leeds, LS1 4AB; "
        "ICO registration ZA000000; Data Protection Officer: dpo@riverside.example.org"
    )
    assert treatment.purpose.endswith("Assessing and treating you, and writing to your GP.")
    assert treatment.special_condition == (
        "providing health care and managing health services (UK GDPR Art. 9(2)(h)); "
        "DPA 2018 Sch. 1 Pt 1 para 2 (health or social care purposes)"
    )
    assert treatment.data_subjects == "patients"
    assert treatment.personal_data == "Your identity, How to reach you, Injury and treatment notes"
    assert "Notecloud Inc. (processor, IN)" in treatment.recipients
    assert treatment.transfers == (
        "Notecloud Inc.: IN, the ICO's International Data Transfer Agreement"
    )
    assert treatment.retention.startswith("Treatment records: At least 8 years")
    assert treatment.security == "Encryption in transit; Encryption at rest"
    assert entries["Appointment reminders"].lawful_basis.endswith(
        "; LIA LIA-RP-07 Appointment reminders"
    )
    assert entries["Appointment reminders"].transfers == "none"
    accounts = entries["Keeping accounts"]
    assert "Finance Act 1998 Sch. 18 para 21" in accounts.lawful_basis
    assert accounts.special_condition.startswith("not applicable")
    assert "Invoices and accounts: 6 years" in accounts.retention
    assert entries["Exercise newsletter"].data_subjects == "patients, newsletter readers"
    assert "Newsletter list: Until you opt out" in entries["Exercise newsletter"].retention


def test_csv_round_trips_commas_and_quotes(clinic: Policy) -> None:
    rows = list(csv.DictReader(io.StringIO(render_ropa(clinic, "csv"))))
    assert len(rows) == len(clinic.purposes)
    assert rows[0][COLUMNS["personal_data"]] == (
        "Your identity, How to reach you, Injury and treatment notes"
    )

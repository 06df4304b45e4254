"""The Article 30 record is generated from the policy, one complete row per purpose."""

from __future__ import annotations

import csv
import io

import pytest

from hippocratic.policy.document import Policy
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

"""Card display (PCI DSS v4.0 3.4.1), forms and categories that serve a purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

from hippocratic.policy.validator import check_policy


@pytest.mark.promise("S0-85")
@pytest.mark.parametrize(
    ("display", "shown"),
    [("{kind: last_digits, digits: 5}", "the last 5 digits"), ("{kind: full}", "the full number")],
)
def test_a_card_number_showing_more_than_four_digits_is_refused(
    tmp_path: Path, display: str, shown: str
) -> None:
    path, line = mutate(tmp_path, "display: {kind: last_digits, digits: 4}", f"display: {display}")
    found = fired(path, "card.display")
    assert [(p.line, p.path, p.message) for p in found] == [
        (
            line,
            "categories[payment].fields[card_number].display",
            f"card number display shows {shown}",
        )
    ]
    assert "PCI DSS v4.0 req. 3.4.1" in found[0].fix


@pytest.mark.promise("S0-85")
def test_a_card_number_is_recognised_by_its_data_category_alone(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "        card_number: true\n        data_category: user.financial.credit_card\n        display: {kind: last_digits, digits: 4}\n",
        "        data_category: user.financial.credit_card\n",
    )
    assert where(path, "card.display") == [
        (line - 5, "categories[payment].fields[card_number].display")
    ]


@pytest.mark.parametrize("display", ["{kind: last_digits, digits: 3}", "{kind: redacted}"])
def test_a_card_number_showing_four_digits_or_fewer_is_sound(tmp_path: Path, display: str) -> None:
    path, _ = mutate(tmp_path, "display: {kind: last_digits, digits: 4}", f"display: {display}")
    assert check_policy(path).problems == []


@pytest.mark.promise("S1-27")
def test_a_form_field_serving_none_of_its_purposes_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    fields: [full_name, email, scan_type, history, newsletter]",
        "    fields: [full_name, email, scan_type, history, newsletter, card_number]",
    )
    found = fired(path, "form.field_uncovered")
    assert [(p.line, p.path) for p in found] == [(line, "forms[booking].fields[5]")]
    assert "payment" in found[0].message


@pytest.mark.promise("S1-27")
def test_a_category_no_purpose_uses_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    categories: [identity, contact, preferences]",
        "    categories: [identity, contact]",
    )
    path.write_text(path.read_text().replace("  purpose: newsletter\n", ""))
    assert where(path, "category.unused") == [
        (line_of(path, "  - key: preferences"), "categories[preferences]")
    ]

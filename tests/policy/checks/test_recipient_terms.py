"""What each recipient may receive lies within its categories, and a processor has its Art. 28
agreement and review date on file."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import SOUND, fired, mutate, where

from hippocratic.policy.loader import load_policy


def test_the_sound_policy_has_no_recipient_terms_problem() -> None:
    assert not fired(SOUND, "recipient.field_outside_categories")
    assert not fired(SOUND, "recipient.processor_agreement")


@pytest.mark.promise("S0-65")
def test_a_recipient_field_outside_its_categories_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [identity, medical_history]\n    purposes: [care]",
        "    categories: [identity, medical_history]\n    fields: [full_name, email]\n"
        "    purposes: [care]",
    )
    found = fired(path, "recipient.field_outside_categories")
    assert [(p.line, p.path) for p in found] == [(line + 1, "recipients[gp].fields[1]")]
    assert "contact" in found[0].message


def test_a_recipient_field_no_category_has_is_an_unknown_reference(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [identity, medical_history]\n    purposes: [care]",
        "    categories: [identity, medical_history]\n    fields: [shoe_size]\n"
        "    purposes: [care]",
    )
    assert (line + 1, "recipients[gp].fields[0]") in where(path, "ref.unknown")


def test_fields_within_the_categories_narrow_what_the_recipient_may_receive(
    tmp_path: Path,
) -> None:
    path, _ = mutate(
        tmp_path,
        "    categories: [identity, medical_history]\n    purposes: [care]",
        "    categories: [identity, medical_history]\n    fields: [full_name]\n"
        "    purposes: [care]",
    )
    assert not fired(path, "recipient.field_outside_categories")
    gp = load_policy(path).recipient_by_key["gp"]
    assert gp.may_receive("full_name", "identity")
    assert not gp.may_receive("date_of_birth", "identity")
    assert not gp.may_receive("email", "contact")


@pytest.mark.promise("S0-55")
def test_a_processor_without_its_agreement_or_review_date_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    class: payment_provider\n    description: Takes card payments.\n"
        "    contract_reference: DPA-LS-02\n",
        "    class: processor\n    description: Takes card payments.\n",
    )
    found = fired(path, "recipient.processor_agreement")
    assert {p.path for p in found} == {"recipients[card_processor]"}
    assert sorted("contract_reference" in p.message for p in found) == [False, True]
    assert any("contract_review_date" in p.message for p in found)


def test_a_processor_with_its_agreement_and_review_date_is_sound(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    class: payment_provider\n",
        "    class: processor\n    contract_review_date: 2027-01-31\n"
        "    assurances:\n      - {name: ISO/IEC 27001 certificate, reference: CERT-1, "
        "expires_on: 2027-06-30}\n",
    )
    assert not fired(path, "recipient.processor_agreement")
    processor = load_policy(path).recipient_by_key["card_processor"]
    assert processor.assurances[0].reference == "CERT-1"

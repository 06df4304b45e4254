"""The validator as a whole: sound files pass, problems come in file order, structure first.

Each rule's own tests, which make it fire on a crafted bad file at the right line with a fix to
act on, are in ``tests/policy/checks/``, one module per module of ``policy.checks``."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import SOUND, SOUND_TEXT, mutate

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.validator import check_policy, check_policy_text, load_sound_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_the_sound_fixture_is_sound() -> None:
    report = check_policy(SOUND)
    assert report.problems == []
    assert report.ok and report.policy is not None


@pytest.mark.parametrize("name", ["harmonic-medical-sonography.yaml", "harmony-healthcare.yaml"])
def test_shipped_policies_are_sound(name: str) -> None:
    report = check_policy(POLICIES / name)
    assert [str(p) for p in report.problems] == []


def test_a_structurally_bad_file_reports_its_structure_and_no_policy(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "        required: true", "        required: maybe")
    report = check_policy(path)
    assert report.policy is None and not report.ok
    assert [p.rule for p in report.problems] == ["schema.bool_parsing"]


def test_every_problem_is_reported_in_file_order(tmp_path: Path) -> None:
    text = SOUND_TEXT.replace("display: {kind: last_digits, digits: 4}", "display: {kind: full}")
    text = text.replace("    legal_citation: UK GDPR Arts. 12-22\n", "")
    text = text.replace("    aggregated_only: true\n", "")
    report = check_policy_text(text, "three.yaml")
    assert [p.rule for p in report.problems] == [
        "card.display",
        "basis.citation_missing",
        "recipient.advertiser_personal_data",
    ]
    assert [p.line for p in report.problems] == sorted(p.line for p in report.problems)
    assert all(str(p).startswith(f"three.yaml:{p.line}  ") for p in report.problems)


def test_load_sound_policy_refuses_with_the_same_details_as_policy_check(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    categories: [usage]\n    purposes: [ad_measurement]\n    aggregated_only: true\n",
        "    categories: [usage, medical_history]\n    purposes: [ad_measurement]\n",
    )
    with pytest.raises(PolicyInvalid) as caught:
        load_sound_policy(path)
    assert caught.value.details == [p.to_dict() for p in check_policy(path).problems]
    assert [d["rule"] for d in caught.value.details] == [
        "recipient.advertiser_personal_data",
        "recipient.health_to_marketing",
    ]
    assert "hippocratic policy check" in (caught.value.hint or "")
    assert load_sound_policy(SOUND).organisation.key == "lakeside"

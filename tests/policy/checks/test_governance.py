"""The controller's ICO registration (L-11) and the staff-training period (L-13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import SOUND, fired, mutate

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.notice import render_notice
from hippocratic.policy.ropa import build_ropa
from hippocratic.policy.validator import check_policy, load_sound_policy

NUMBER = "  ico_registration_number: ZA000001        # synthetic test organisation\n"


@pytest.mark.promise("L-11")
def test_a_policy_without_an_ico_registration_number_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, NUMBER, "")
    found = fired(path, "organisation.ico_registration_missing")
    assert [(p.path, p.line) for p in found] == [("organisation", 4)]
    assert "ico_registration_number" in found[0].fix
    with pytest.raises(PolicyInvalid, match="ico_registration_missing"):
        load_sound_policy(path)


@pytest.mark.parametrize("number", ["ZA12345", "AB123456", "za123456", "ZA1234567", "12345678"])
def test_an_ico_registration_number_has_the_icos_shape(tmp_path: Path, number: str) -> None:
    path, _ = mutate(tmp_path, "ZA000001", number)
    problems = check_policy(path).problems
    assert [p.path for p in problems] == ["organisation.ico_registration_number"]


@pytest.mark.parametrize("number", ["ZA123456", "ZB654321", "Z1234567"])
def test_both_shapes_of_ico_number_are_accepted(tmp_path: Path, number: str) -> None:
    path, _ = mutate(tmp_path, "ZA000001", number)
    assert check_policy(path).problems == []


@pytest.mark.promise("L-11")
def test_the_notice_and_the_record_of_processing_show_the_number(tmp_path: Path) -> None:
    policy = load_sound_policy(SOUND)
    assert "registration number ZA000001" in render_notice(policy, "md")
    assert "registration number ZA000001" in render_notice(policy, "html")
    assert all("ICO registration ZA000001" in e.controller for e in build_ropa(policy))


def test_an_awaited_number_is_said_in_the_record_never_in_the_notice(tmp_path: Path) -> None:
    why = "  ico_registration_awaited: The DPO confirms it from the ICO register this week.\n"
    path, _ = mutate(tmp_path, NUMBER, why)
    policy = load_sound_policy(path)
    assert "Information Commissioner's Office, registration number" not in render_notice(
        policy, "md"
    )
    entry = build_ropa(policy)[0]
    assert "ICO registration not yet recorded: The DPO confirms it" in entry.controller
    both, _ = mutate(tmp_path, NUMBER, NUMBER + why)
    assert [p.rule for p in check_policy(both).problems] == [
        "organisation.ico_registration_awaited"
    ]


def test_training_renewed_less_than_yearly_is_a_finding(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path, "organisation:\n", "staff:\n  training_valid_months: 24\norganisation:\n"
    )
    found = fired(path, "staff.training_not_annual")
    assert [p.path for p in found] == ["staff.training_valid_months"]
    sound, _ = mutate(
        tmp_path, "organisation:\n", "staff:\n  training_valid_months: 12\norganisation:\n"
    )
    assert check_policy(sound).problems == []

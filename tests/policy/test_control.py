"""S0-87: the security-control register, its checks, and the shipped registers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.policy.sound import fired, mutate

from hippocratic.policy.control import Control, ControlKind
from hippocratic.policy.validator import check_policy, load_sound_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
REGISTER = """controls:
  - key: backups
    title: Encrypted backups
    kind: technical
    annex_a: A.8.13
    owner: sonographer
    evidence: Last restore test record
    last_reviewed: 2026-01-31
    review_every_months: 3
  - key: premises
    title: Locked records room
    kind: physical
    annex_a: A.7.1
    owner: sonographer
    evidence: Premises checklist
    last_reviewed: 2026-03-10
    review_every_months: 12
"""


def _with(tmp_path: Path, register: str = REGISTER) -> Path:
    path, _ = mutate(tmp_path, "organisation:\n", register + "organisation:\n")
    return path


def test_a_review_falls_due_the_same_day_months_later() -> None:
    control = Control(
        key="backups", title="Backups", kind=ControlKind.TECHNICAL, annex_a="A.8.13",
        owner="dpo", evidence="restore test", last_reviewed=date(2026, 1, 31),
        review_every_months=1,
    )  # fmt: skip
    assert control.next_review == date(2026, 3, 1)
    assert not control.overdue(date(2026, 3, 1))
    assert control.overdue(date(2026, 3, 2))


@pytest.mark.promise("S0-87")
def test_the_register_shows_owner_evidence_and_flags_an_overdue_review(tmp_path: Path) -> None:
    policy = load_sound_policy(_with(tmp_path))
    register = policy.control_register(date(2026, 6, 1))
    first, second = register.controls
    assert (first.key, first.overdue, first.days_overdue) == ("backups", True, 31)
    assert first.next_review == date(2026, 5, 1)
    assert (
        first.owner == "sonographer"
        and first.owner_title == policy.role_by_key["sonographer"].title
    )
    assert first.evidence == "Last restore test record"
    assert (second.key, second.overdue, second.next_review) == (
        "premises",
        False,
        date(2027, 3, 10),
    )
    assert [c.key for c in register.overdue] == ["backups"]
    assert policy.control_register(date(2026, 5, 1)).overdue == []


def test_the_owner_must_be_a_role(tmp_path: Path) -> None:
    path = _with(tmp_path, REGISTER.replace("owner: sonographer", "owner: caretaker", 1))
    assert [p.path for p in fired(path, "control.unknown_owner")] == ["controls[backups].owner"]


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("annex_a: A.8.13", "annex_a: A.8.35", "control.unknown_annex_a"),
        ("annex_a: A.8.13", "annex_a: A.7.4", "control.kind_mismatch"),
        ("kind: physical", "kind: procedural", "control.kind_mismatch"),
        (
            "last_reviewed: 2026-01-31",
            "last_reviewed: 2021-05-01",
            "control.review_before_standard",
        ),
    ],
)
def test_a_register_that_cannot_be_true_is_refused(
    tmp_path: Path, old: str, new: str, rule: str
) -> None:
    path = _with(tmp_path, REGISTER.replace(old, new, 1))
    assert [p.rule for p in check_policy(path).problems] == [rule]


@pytest.mark.parametrize(
    ("old", "new"),
    [("review_every_months: 3", "review_every_months: 0"), ("kind: technical", "kind: magic")],
)
def test_review_periods_and_kinds_are_typed(tmp_path: Path, old: str, new: str) -> None:
    path = _with(tmp_path, REGISTER.replace(old, new, 1))
    assert [p.path for p in check_policy(path).problems] == [
        "controls[backups]." + old.split(":")[0]
    ]


def test_claiming_iso_27001_needs_a_register(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path, "organisation:\n", "organisation:\n  standards: [ISO/IEC 27001:2022]\n"
    )
    assert [p.rule for p in check_policy(path).problems] == ["control.register_missing"]


def test_two_controls_with_one_key_are_refused(tmp_path: Path) -> None:
    path = _with(tmp_path, REGISTER.replace("key: premises", "key: backups"))
    assert "ref.duplicate" in [p.rule for p in check_policy(path).problems]


@pytest.mark.promise("S0-87")
@pytest.mark.parametrize("name", ["harmonic-medical-sonography", "harmony-healthcare"])
def test_each_shipped_register_covers_the_three_kinds_and_flags_its_late_review(name: str) -> None:
    policy = load_sound_policy(POLICIES / f"{name}.yaml")
    register = policy.control_register(date(2026, 12, 7))
    assert {c.kind for c in register.controls} == {"physical", "technical", "procedural"}
    assert {c.annex_a for c in register.controls} >= {"A.8.24", "A.5.15", "A.8.15", "A.8.13",
                                                     "A.7.1", "A.6.3", "A.5.20"}  # fmt: skip
    assert [c.key for c in register.overdue] == ["supplier_agreements"]
    assert all(c.owner in policy.role_by_key and c.evidence for c in register.controls)

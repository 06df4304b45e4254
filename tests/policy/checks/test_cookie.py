"""Cookies: no consent only under a closed-list exception that fits (PECR reg. 6(4); the Data
(Use and Access) Act 2025 ones only where the policy opts in); advertising never."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import SOUND_TEXT, fired, mutate, where

from hippocratic.policy.loader import parse_policy
from hippocratic.policy.validator import check_policy_text


def _exempt(tmp_path: Path, category: str, exemption: str) -> tuple[Path, int]:
    """The sound policy with ``category`` cookies set without consent under ``exemption``."""
    return mutate(
        tmp_path,
        "      consent_required: true",
        f"      consent_required: false\n      exemption: {exemption}",
        after=f"category: {category}",
    )


@pytest.mark.promise("S0-95", "S0-09")
def test_advertising_cookies_can_never_be_exempt_from_consent(tmp_path: Path) -> None:
    path, line = _exempt(tmp_path, "advertising", "strictly_necessary")
    found = fired(path, "cookie.consent_exempt")
    assert [(p.line, p.path) for p in found] == [
        (line, "cookies.categories[advertising].consent_required")
    ]


@pytest.mark.promise("S0-09")
def test_analytics_cookies_without_consent_need_a_stated_exception(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "      consent_required: true",
        "      consent_required: false",
        after="category: analytics",
    )
    assert where(path, "cookie.consent_exempt") == [
        (line, "cookies.categories[analytics].consent_required")
    ]
    assert "statistical" in fired(path, "cookie.consent_exempt")[0].fix


@pytest.mark.promise("S0-09")
def test_analytics_cookies_are_never_strictly_necessary(tmp_path: Path) -> None:
    path, line = _exempt(tmp_path, "analytics", "strictly_necessary")
    assert where(path, "cookie.consent_exempt") == [
        (line + 1, "cookies.categories[analytics].exemption")
    ]


@pytest.mark.parametrize("exemption", ["x", "PECR reg. 6(4)(b)", "DUAA 2025 s.112", '"  "'])
def test_an_exemption_is_one_of_the_legal_exceptions_not_free_text(
    tmp_path: Path, exemption: str
) -> None:
    path, line = _exempt(tmp_path, "analytics", exemption)
    policy, _, problems = parse_policy(path)
    assert policy is None
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.choice", line + 1, "cookies.categories[analytics].exemption")
    ]
    assert "strictly_necessary, communication_only, statistical, appearance" in problems[0].fix


def test_the_duaa_statistical_exemption_needs_the_policy_to_opt_in(tmp_path: Path) -> None:
    path, line = _exempt(tmp_path, "analytics", "statistical")
    found = fired(path, "cookie.duaa_not_enabled")
    assert [(p.line, p.path) for p in found] == [
        (line + 1, "cookies.categories[analytics].exemption")
    ]
    assert "duaa_exemptions: true" in found[0].fix
    opted_in = path.read_text().replace("cookies:\n", "cookies:\n  duaa_exemptions: true\n", 1)
    assert check_policy_text(opted_in, "opted-in.yaml").problems == []


def test_the_duaa_appearance_exemption_fits_functional_cookies_only_when_opted_in() -> None:
    functional = (
        "    - category: functional\n      title: Functional\n      description: Your language.\n"
        "      consent_required: false\n      exemption: appearance\n"
    )
    text = SOUND_TEXT.replace(
        "    - category: analytics\n", functional + "    - category: analytics\n"
    )
    assert [p.rule for p in check_policy_text(text, "f.yaml").problems] == [
        "cookie.duaa_not_enabled"
    ]
    opted_in = text.replace("cookies:\n", "cookies:\n  duaa_exemptions: true\n", 1)
    assert check_policy_text(opted_in, "f.yaml").problems == []
    statistical = opted_in.replace("exemption: appearance", "exemption: statistical")
    assert [(p.rule, p.path) for p in check_policy_text(statistical, "f.yaml").problems] == [
        ("cookie.consent_exempt", "cookies.categories[functional].exemption")
    ]

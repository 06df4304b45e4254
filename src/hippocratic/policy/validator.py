"""Semantic checks a DPO can act on: each finding has a stable rule id, a place and a fix.

Structural problems (YAML, types, unknown keys) are the loader's; the checks in
``policy.checks`` test what a well-formed policy says against the law: references, Art. 6 and 9
bases, consent wording, health data never reaching advertisers or marketing, card display
(PCI DSS v4.0 3.4.1), transfers, recipients' terms, impact assessments, retention, forms
and cookies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hippocratic.policy.checks.collection import (
    check_cards,
    check_collection,
    check_marketing_preference,
)
from hippocratic.policy.checks.cookie import check_cookies
from hippocratic.policy.checks.disclosure import check_health_to_marketing, check_transfers
from hippocratic.policy.checks.governance import check_governance
from hippocratic.policy.checks.impact_assessment import check_impact_assessments
from hippocratic.policy.checks.lawful_basis import check_lawful_bases
from hippocratic.policy.checks.recipient_terms import check_recipient_terms
from hippocratic.policy.checks.records import check_records
from hippocratic.policy.checks.references import check_references
from hippocratic.policy.checks.retention import check_retention
from hippocratic.policy.checks.special_category import check_special_categories
from hippocratic.policy.document import Policy
from hippocratic.policy.loader import invalid, parse_policy, parse_policy_text
from hippocratic.policy.locator import Locator
from hippocratic.policy.problem import Problem

__all__ = ["CheckReport", "check_policy", "check_policy_text", "load_sound_policy", "validate"]

CHECKS = (
    check_references,
    check_special_categories,
    check_lawful_bases,
    check_health_to_marketing,
    check_cards,
    check_transfers,
    check_recipient_terms,
    check_impact_assessments,
    check_retention,
    check_collection,
    check_marketing_preference,
    check_cookies,
    check_records,
    check_governance,
)


@dataclass(frozen=True)
class CheckReport:
    """One file's verdict: the policy if it loaded, and every problem, in file order."""

    file: str
    policy: Policy | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_policy(path: Path | str) -> CheckReport:
    """Load ``path`` and run every check; never raises for a bad file."""
    policy, locator, problems = parse_policy(Path(path))
    return _report(str(path), policy, locator, problems)


def check_policy_text(text: str, name: str) -> CheckReport:
    """As ``check_policy``, for policy text already in memory."""
    policy, locator, problems = parse_policy_text(text, name)
    return _report(name, policy, locator, problems)


def load_sound_policy_text(text: str, name: str) -> Policy:
    """As ``load_sound_policy``, for text already read (so what is checked is what is kept)."""
    report = check_policy_text(text, name)
    if report.policy is None or report.problems:
        raise invalid(report.file, report.problems)
    return report.policy


def load_sound_policy(path: Path | str) -> Policy:
    """Load ``path`` and run every check; raise ``PolicyInvalid`` listing each problem.

    Everything that acts on a policy goes through here: a store initialised, or a notice
    rendered, from a policy that fails ``policy check`` would enforce or state something the
    checks refuse. ``details`` carry each problem as ``Problem.to_dict()``, as ``policy check
    --json`` and ``load_policy`` do."""
    report = check_policy(path)
    if report.policy is None or report.problems:
        raise invalid(report.file, report.problems)
    return report.policy


def _report(
    name: str, policy: Policy | None, locator: Locator, problems: list[Problem]
) -> CheckReport:
    if policy is not None:
        problems = validate(policy, locator)
    return CheckReport(name, policy, sorted(problems, key=lambda p: (p.line, p.rule, p.path)))


def validate(policy: Policy, locator: Locator) -> list[Problem]:
    """Every semantic problem in ``policy``; ``locator`` places each at its line and key path."""
    unique: dict[Problem, None] = {}
    for check in CHECKS:
        for finding in check(policy):
            unique.setdefault(locator.problem(*finding))
    return list(unique)

"""Checks of the organisation's own governance: how long staff training lasts (L-13)."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy
from hippocratic.policy.staff_rules import ANNUAL


def check_governance(policy: Policy) -> Iterator[Finding]:
    months = policy.staff.training_valid_months
    if months > ANNUAL:
        yield (
            ("staff", "training_valid_months"),
            "staff.training_not_annual",
            f"training counts for {months} months; the Data Security and Protection Toolkit "
            "expects data-security training every year",
            f"set `training_valid_months` to {ANNUAL} or fewer",
        )

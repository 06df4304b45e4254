"""Checks of the organisation's own governance: its ICO registration (L-11) and how long
staff training lasts (L-13)."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy
from hippocratic.policy.staff_rules import ANNUAL


def check_governance(policy: Policy) -> Iterator[Finding]:
    org = policy.organisation
    if org.ico_registration_number is None and org.ico_registration_awaited is None:
        yield (
            ("organisation",),
            "organisation.ico_registration_missing",
            "no ICO registration (data protection fee) number: a controller processing "
            "health data must pay the fee and be registered",
            "add `ico_registration_number:` (e.g. ZA123456) from the ICO's register of fee payers",
        )
    if org.ico_registration_number is not None and org.ico_registration_awaited is not None:
        yield (
            ("organisation", "ico_registration_awaited"),
            "organisation.ico_registration_awaited",
            "the ICO registration number is given, yet still said to be awaited",
            "remove `ico_registration_awaited`",
        )
    months = policy.staff.training_valid_months
    if months > ANNUAL:
        yield (
            ("staff", "training_valid_months"),
            "staff.training_not_annual",
            f"training counts for {months} months; the Data Security and Protection Toolkit "
            "expects data-security training every year",
            f"set `training_valid_months` to {ANNUAL} or fewer",
        )

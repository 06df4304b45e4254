"""Checks of the organisation's own governance: its ICO registration (L-11), how long staff
training lasts (L-13) and its security-control register (S0-87)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hippocratic.policy.checks import Finding
from hippocratic.policy.control import ControlKind, annex_a_known
from hippocratic.policy.document import Policy
from hippocratic.policy.staff_rules import ANNUAL

ISO_27001_2022 = date(2022, 10, 25)
"""Publication of ISO/IEC 27001:2022, whose Annex A numbering the register cites."""


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
    yield from _controls(policy)


def _controls(policy: Policy) -> Iterator[Finding]:
    claims_27001 = any("27001" in standard for standard in policy.organisation.standards)
    if claims_27001 and not policy.controls:
        yield (
            ("organisation", "standards"),
            "control.register_missing",
            "the organisation claims ISO/IEC 27001 but lists no security controls",
            "add a `controls:` register (key, title, kind, annex_a, owner, evidence, "
            "last_reviewed, review_every_months)",
        )
    for index, control in enumerate(policy.controls):
        where = ("controls", index)
        if control.owner not in policy.role_by_key:
            yield (
                (*where, "owner"),
                "control.unknown_owner",
                f"owner `{control.owner}` is not a role",
                f"use one of: {', '.join(policy.role_by_key) or '(no roles defined)'}",
            )
        if not annex_a_known(control.annex_a):
            yield (
                (*where, "annex_a"),
                "control.unknown_annex_a",
                f"{control.annex_a} is not a control of ISO/IEC 27001:2022 Annex A",
                "A.5.1-A.5.37, A.6.1-A.6.8, A.7.1-A.7.14 or A.8.1-A.8.34",
            )
        physical = control.annex_a.startswith("A.7.")
        if physical != (control.kind is ControlKind.PHYSICAL):
            yield (
                (*where, "kind"),
                "control.kind_mismatch",
                f"{control.annex_a} is {'a' if physical else 'not a'} physical control, "
                f"but the entry says `{control.kind.value}`",
                "Annex A.7 controls are `physical`; the others `technical` or `procedural`",
            )
        if control.last_reviewed < ISO_27001_2022:
            yield (
                (*where, "last_reviewed"),
                "control.review_before_standard",
                f"reviewed {control.last_reviewed.isoformat()}, before ISO/IEC 27001:2022 "
                "(whose Annex A it cites) was published",
                "review the control against the 2022 edition and give that date",
            )

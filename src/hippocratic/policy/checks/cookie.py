"""Cookies and tags (PECR reg. 6): no consent only under a stated, closed-list exception that
fits the category; advertising never; the DUAA 2025 exemptions only where the policy opts in."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.cookie import (
    DUAA_EXEMPTIONS,
    CookieCategory,
    CookieCategoryDefinition,
    CookieExemption,
)
from hippocratic.policy.document import Policy

E = CookieExemption
FITTING: dict[CookieCategory, frozenset[CookieExemption]] = {
    CookieCategory.ESSENTIAL: frozenset({E.STRICTLY_NECESSARY, E.COMMUNICATION_ONLY}),
    CookieCategory.FUNCTIONAL: frozenset({E.STRICTLY_NECESSARY, E.APPEARANCE}),
    CookieCategory.PERFORMANCE: frozenset({E.STATISTICAL}),
    CookieCategory.ANALYTICS: frozenset({E.STATISTICAL}),
    CookieCategory.ADVERTISING: frozenset(),
}
"""The exceptions that can cover each category: analytics is never strictly necessary (ICO)."""


def check_cookies(policy: Policy) -> Iterator[Finding]:
    if policy.cookies is None:
        return
    defined = {definition.category for definition in policy.cookies.categories}
    for d, definition in enumerate(policy.cookies.categories):
        if not definition.consent_required:
            yield from _exemption(d, definition, policy.cookies.duaa_exemptions)
    for k, cookie in enumerate(policy.cookies.cookies):
        if cookie.category not in defined:
            yield (
                ("cookies", "cookies", k, "category"),
                "ref.unknown",
                f"cookie `{cookie.name}` is in undescribed category `{cookie.category}`",
                "describe that category under `cookies.categories`",
            )


def _exemption(d: int, definition: CookieCategoryDefinition, duaa: bool) -> Iterator[Finding]:
    category, exemption = definition.category, definition.exemption
    fitting = FITTING[category]
    if category is CookieCategory.ADVERTISING:
        yield (
            ("cookies", "categories", d, "consent_required"),
            "cookie.consent_exempt",
            "advertising cookies and pixels always need consent (PECR reg. 6)",
            "set `consent_required: true`",
        )
    elif exemption is None:
        if category is not CookieCategory.ESSENTIAL:
            yield (
                ("cookies", "categories", d, "consent_required"),
                "cookie.consent_exempt",
                f"{category} cookies are exempt from consent without a stated exception",
                f"set `consent_required: true`, or name the exception: `exemption:` "
                f"{_listed(fitting)}",
            )
    elif exemption not in fitting:
        yield (
            ("cookies", "categories", d, "exemption"),
            "cookie.consent_exempt",
            f"the `{exemption}` exception cannot cover {category} cookies",
            f"set `consent_required: true`, or use {_listed(fitting)}",
        )
    elif exemption in DUAA_EXEMPTIONS and not duaa:
        yield (
            ("cookies", "categories", d, "exemption"),
            "cookie.duaa_not_enabled",
            f"the `{exemption}` exception comes from the Data (Use and Access) Act 2025, which "
            "this policy does not rely on",
            "set `consent_required: true`, or, once the exception is in force and visitors are "
            "told and can object, opt in with `cookies: {duaa_exemptions: true}`",
        )


def _listed(exemptions: frozenset[CookieExemption]) -> str:
    return " or ".join(f"`{exemption}`" for exemption in sorted(exemptions))

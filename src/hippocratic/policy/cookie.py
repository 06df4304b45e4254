"""The cookie and tag register behind the banner: nothing non-essential fires before consent."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, HttpUrl

from hippocratic.policy.model import Key, PolicyModel, Text
from hippocratic.policy.retention import Period


class CookieCategory(StrEnum):
    ESSENTIAL = "essential"
    PERFORMANCE = "performance"
    FUNCTIONAL = "functional"
    ANALYTICS = "analytics"
    ADVERTISING = "advertising"


class CookieExemption(StrEnum):
    """The exceptions to PECR reg. 6's consent requirement: a closed list, not free text."""

    STRICTLY_NECESSARY = "strictly_necessary"
    """PECR reg. 6(4)(b): strictly necessary for a service the user has asked for."""
    COMMUNICATION_ONLY = "communication_only"
    """PECR reg. 6(4)(a): solely to carry a communication over a network."""
    STATISTICAL = "statistical"
    """Data (Use and Access) Act 2025 s.112 (PECR Sch. A1): the organisation's own statistics
    on use of its service, to improve it, with a simple means to object."""
    APPEARANCE = "appearance"
    """Data (Use and Access) Act 2025 s.112 (PECR Sch. A1): adapting how the site looks or works
    to the user's preferences, with a simple means to object."""


DUAA_EXEMPTIONS = frozenset({CookieExemption.STATISTICAL, CookieExemption.APPEARANCE})
"""Relied on only where the policy says so (``cookies.duaa_exemptions: true``): they apply once
commenced, and only with the information and the means to object the Act requires."""


class CookieCategoryDefinition(PolicyModel):
    category: CookieCategory
    title: Text
    description: Text
    consent_required: bool
    exemption: CookieExemption | None = None
    """The exception relied on where consent is not required."""


class Vendor(PolicyModel):
    key: Key
    name: Text
    country: str = Field(default="GB", pattern=r"^[A-Z]{2}$")
    recipient: Key | None = None
    """The recipient record that governs what this vendor receives."""
    opt_out_url: HttpUrl | None = None
    privacy_url: HttpUrl | None = None
    domains: list[Text] = Field(default_factory=list)
    """Hosts its tags load from; blocked until consent for its categories."""


class Cookie(PolicyModel):
    name: Text
    category: CookieCategory
    vendor: Key | None = None
    """Absent for first-party cookies set by the organisation itself."""
    purpose: Text
    lifetime: Period | None = None
    """None means the cookie lasts for the browser session only."""


class CookiePolicy(PolicyModel):
    categories: list[CookieCategoryDefinition] = Field(min_length=1)
    vendors: list[Vendor] = Field(default_factory=list)
    cookies: list[Cookie] = Field(default_factory=list)
    consent_record_retention: Period = Period(months=6)
    duaa_exemptions: bool = False
    """The organisation relies on the Data (Use and Access) Act 2025 exemptions (statistical,
    appearance); off unless the policy opts in."""
    reconsent_after: Period = Period(months=6)
    """The banner asks again this long after a choice, even if nothing else changed."""
    consent_cookie: Text | None = None
    """The essential cookie that keeps the visitor's choice; by default the essential cookie
    whose name ends in ``consent`` (``hms_consent``)."""
    sensitive_paths: list[Text] = Field(default_factory=list)
    """Site routes that reveal health (S0-96), as patterns where ``*`` matches anything, beyond
    those always treated so (``ALWAYS_SENSITIVE`` and each health-revealing service's page):
    no analytics or advertising tag loads on them, whatever the consent."""

    def cookie_named(self, name: str) -> Cookie | None:
        """The register entry for a cookie as a browser names it (``_ga_ABC123`` is ``_ga_*``),
        an exact name before a pattern."""
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie
        for cookie in self.cookies:
            if "*" in cookie.name and name_pattern(cookie.name).fullmatch(name):
                return cookie
        return None

    @property
    def consent_cookie_name(self) -> str | None:
        """The essential cookie the banner keeps the choice in, or None if the register has
        none (then there is no banner to serve)."""
        if self.consent_cookie is not None:
            named = self.cookie_named(self.consent_cookie)
            if named is not None and named.category is CookieCategory.ESSENTIAL:
                return self.consent_cookie
            return None
        for cookie in self.cookies:
            if cookie.category is CookieCategory.ESSENTIAL and cookie.name.endswith("consent"):
                return cookie.name
        return None

    def consent_required(self, category: CookieCategory) -> bool:
        """Whether the category is consent-gated (an undescribed category always is)."""
        for definition in self.categories:
            if definition.category is category:
                return definition.consent_required
        return True

    def vendor_categories(self, vendor: str) -> frozenset[CookieCategory]:
        """The categories a vendor's registered cookies fall in: what its tags need consent
        for (advertising for a vendor with no registered cookie, the strictest)."""
        found = {cookie.category for cookie in self.cookies if cookie.vendor == vendor}
        return frozenset(found or {CookieCategory.ADVERTISING})


ALWAYS_SENSITIVE = ("/book*", "/booking*", "/portal*", "/results*", "/account*")
"""Routes of a clinic's site that reveal health whatever the policy says: booking forms, the
patient portal and results (S0-96)."""


def name_pattern(pattern: str) -> re.Pattern[str]:
    """A register or route pattern as a regular expression: ``*`` matches any characters."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))

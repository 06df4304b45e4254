"""The cookie and tag register behind the banner: nothing non-essential fires before consent."""

from __future__ import annotations

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

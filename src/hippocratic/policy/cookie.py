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


class CookieCategoryDefinition(PolicyModel):
    category: CookieCategory
    title: Text
    description: Text
    consent_required: bool
    exemption: str | None = None
    """The PECR reg. 6 exception relied on where consent is not required."""


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

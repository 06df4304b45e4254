"""What the cookie banner shows and how it behaves, generated from the policy's cookie register.

The words, categories, vendors and cookie names the banner shows come from ``cookies:`` in the
policy, so the banner cannot offer a choice the register does not back. ``banner_sha256`` is the
SHA-256 of everything the banner shows (its words, each category's title and description, each
vendor and its links): a receipt names it, so the text a visitor chose under can be proven
later, and a change to it makes the banner ask again. ``banner_config`` is what
``consent.js`` runs on, and the JSON twin a site audit reads.

Health-sensitive routes (S0-96) are the booking, portal and results routes, each
health-revealing service's page, and any the policy adds (``cookies.sensitive_paths``): on them
no analytics or advertising tag loads whatever the consent. ``health_terms`` are the words the
outbound-hit scrubber redacts (S0-97).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hippocratic.errors import NotFound
from hippocratic.policy.cookie import ALWAYS_SENSITIVE, CookieCategory, CookiePolicy, name_pattern
from hippocratic.policy.document import Policy
from hippocratic.policy.retention import Period

BANNER_VERSION = "1"
"""Raised when the banner's behaviour changes in a way visitors must be asked about again."""
FIREWALLED = (CookieCategory.ANALYTICS, CookieCategory.ADVERTISING)
"""The categories whose tags never load on a health-sensitive route (S0-96)."""


@dataclass(frozen=True)
class StandIn:
    """A local endpoint that stands in for a vendor's (the demo site's Google and Meta tags)."""

    vendor: str
    prefix: str
    """The path prefix on this server, e.g. ``/demo/stand-in/g/``."""


DEMO_STAND_INS = (
    StandIn("google_analytics", "/demo/stand-in/gtag/"),
    StandIn("google_analytics", "/demo/stand-in/g/"),
    StandIn("google_ads", "/demo/stand-in/pagead/"),
    StandIn("meta", "/demo/stand-in/fbevents.js"),
    StandIn("meta", "/demo/stand-in/tr"),
)
"""The demo site's stand-ins, and the vendor each counts as (``consent.js?demo=1``)."""


def words(policy: Policy) -> dict[str, str]:
    """The banner's own words, with the organisation's name."""
    name = policy.organisation.display_name
    return {
        "title": f"Cookies on {name}'s website",
        "intro": (
            "We use essential cookies to make this website work. We would also like to set "
            "optional cookies, but only if you agree. Nothing optional is set until you choose, "
            "and you can change your mind at any time with Cookie settings."
        ),
        "promise": "We never use cookies or tags to target adverts on health information.",
        "accept": "Accept all",
        "reject": "Reject all",
        "manage": "Manage choices",
        "save": "Save my choices",
        "close": "Close",
        "panel": "Your cookie choices",
        "always": "Always on",
        "settings": "Cookie settings",
        "cookies": "Cookies:",
        "by": "Set by:",
        "privacy": "Privacy notice",
        "vendor_privacy": "privacy policy",
        "opt_out": "opt out",
        "gpc": (
            "Your browser sent a Global Privacy Control signal, so advertising stays off "
            "unless you turn it on here."
        ),
        "saved": "Your cookie choices are saved.",
    }


def register(policy: Policy) -> CookiePolicy:
    """The policy's cookie register, or NotFound: no register, no banner."""
    cookies = policy.cookies
    if cookies is None or cookies.consent_cookie_name is None:
        raise NotFound(
            f"{policy.organisation.key} has no cookie banner: its policy registers no essential "
            "consent cookie",
            field="cookies",
            hint="register an essential cookie named like `xx_consent` under `cookies.cookies`",
        )
    return cookies


def _shown(policy: Policy) -> dict[str, Any]:
    """Everything the banner shows a visitor, in order."""
    cookies = register(policy)
    return {
        "version": BANNER_VERSION,
        "words": words(policy),
        "categories": [
            {
                "key": d.category.value,
                "title": d.title,
                "description": d.description,
                "required": not d.consent_required,
                "cookies": [c.name for c in cookies.cookies if c.category is d.category],
            }
            for d in cookies.categories
        ],
        "vendors": [
            {
                "key": v.key,
                "name": v.name,
                "categories": sorted(c.value for c in cookies.vendor_categories(v.key)),
                "privacy": str(v.privacy_url) if v.privacy_url else None,
                "opt_out": str(v.opt_out_url) if v.opt_out_url else None,
            }
            for v in cookies.vendors
        ],
    }


def banner_sha256(policy: Policy) -> str:
    canonical = json.dumps(_shown(policy), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def gated(policy: Policy) -> list[str]:
    """The categories a visitor is asked about, in the policy's order."""
    return [d.category.value for d in register(policy).categories if d.consent_required]


def service_slug(key: str) -> str:
    return key.replace("_", "-")


def sensitive_patterns(policy: Policy) -> list[str]:
    """Route patterns (``*`` matches anything) on which no analytics or advertising tag loads."""
    patterns = list(ALWAYS_SENSITIVE)
    patterns += [f"*{service_slug(s.key)}*" for s in policy.services if s.health_revealing]
    patterns += register(policy).sensitive_paths
    return list(dict.fromkeys(patterns))


def is_sensitive(policy: Policy, path: str) -> bool:
    """Whether a route of the site (relative to its root) is health-sensitive."""
    return any(name_pattern(p).fullmatch(path) for p in sensitive_patterns(policy))


def health_terms(policy: Policy) -> list[str]:
    """Words that reveal health, lower-case: each health-revealing service's title and key."""
    terms: list[str] = []
    for service in policy.services:
        if service.health_revealing:
            terms += [service.title.lower(), service.key, service_slug(service.key)]
    return list(dict.fromkeys(terms))


def period_days(period: Period) -> int:
    """At most as long as the period, in whole days (a cookie's Max-Age never outlives it)."""
    return period.years * 365 + period.months * 28 + period.days


def banner_config(
    policy: Policy, base_url: str, *, gpc: bool = False, stand_ins: tuple[StandIn, ...] = ()
) -> dict[str, Any]:
    """What ``consent.js`` runs on. ``base_url`` is this server's origin (receipts go there);
    ``gpc`` is whether the request carried ``Sec-GPC: 1``; ``stand_ins`` add local endpoints
    that count as their vendor's (the demo site)."""
    cookies = register(policy)
    org = policy.organisation.key
    consent_cookie = cookies.cookie_named(cookies.consent_cookie_name or "")
    lifetime = consent_cookie.lifetime if consent_cookie else None
    shown = _shown(policy)
    base = base_url.rstrip("/")
    for vendor in shown["vendors"]:
        known = next(v for v in cookies.vendors if v.key == vendor["key"])
        vendor["hosts"] = list(known.domains)
        vendor["paths"] = [f"{base}{s.prefix}" for s in stand_ins if s.vendor == vendor["key"]]
    reconsent = cookies.reconsent_after
    return {
        "org": org,
        "banner": BANNER_VERSION,
        "sha": banner_sha256(policy),
        "notice": policy.notice.version,
        "cookie": cookies.consent_cookie_name,
        "maxAge": period_days(lifetime or reconsent) * 86400,
        "reconsent": [reconsent.years, reconsent.months, reconsent.days],
        "words": shown["words"],
        "categories": shown["categories"],
        "vendors": shown["vendors"],
        "cookies": [[c.name, c.category.value] for c in cookies.cookies],
        "sensitive": sensitive_patterns(policy),
        "firewalled": [c.value for c in FIREWALLED],
        "terms": health_terms(policy),
        "endpoint": f"{base}/{org}/consent",
        "css": f"{base}/static/site/consent.css",
        "privacy": str(policy.notice.url) if policy.notice.url else f"{base}/{org}/privacy",
        "gpc": gpc,
    }

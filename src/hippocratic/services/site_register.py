"""What a site audit judges a page's cookies and requests against: the banner's register (its
JSON twin, or the same built from a policy file), read as rules, and the findings it yields.

Each step of an audit (first visit, reject all, accept analytics only, accept all, withdraw,
health-sensitive pages) has the categories it allows; everything seen beyond them is a finding:
a cookie not in the register, a non-essential cookie or a vendor's request without consent for
its categories, an analytics or advertising request on a health-sensitive page, and a request
to a vendor that carries a health-sensitive page's address or a health term (S0-90, S0-96,
S0-97). Pure: the browser that makes the observations is ``site_audit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from hippocratic.policy.cookie import name_pattern

ESSENTIAL = "essential"


@dataclass(frozen=True)
class SeenCookie:
    name: str
    domain: str
    http_only: bool


@dataclass(frozen=True)
class SeenRequest:
    url: str
    method: str
    body: str = ""
    page: str = ""
    """The address of the page that made it."""


@dataclass(frozen=True)
class Finding:
    step: str
    code: str
    message: str
    subject: str


@dataclass
class Observation:
    step: str
    allowed: frozenset[str]
    """The consent-gated categories this step allows."""
    cookies: list[SeenCookie] = field(default_factory=list)
    requests: list[SeenRequest] = field(default_factory=list)
    sensitive: bool = False
    """The step is on health-sensitive pages: analytics and advertising never allowed."""


@dataclass(frozen=True)
class SiteRegister:
    """The banner's configuration (``banner_config``) read as rules."""

    config: dict[str, Any]
    site_root: str = ""

    @property
    def gated(self) -> list[str]:
        return [c["key"] for c in self.config["categories"] if not c["required"]]

    def cookie_category(self, name: str) -> str | None:
        exact = [c for n, c in self.config["cookies"] if n == name]
        if exact:
            return str(exact[0])
        for pattern, category in self.config["cookies"]:
            if "*" in pattern and name_pattern(pattern).fullmatch(name):
                return str(category)
        return None

    def vendor_of(self, url: str) -> dict[str, Any] | None:
        host = (urlsplit(url).hostname or "").lower()
        for vendor in self.config["vendors"]:
            if any(host == h or host.endswith("." + h) for h in vendor["hosts"]):
                return dict(vendor)
            if any(url.startswith(p) for p in vendor["paths"]):
                return dict(vendor)
        return None

    def is_sensitive(self, url_or_path: str) -> bool:
        path = urlsplit(url_or_path).path or "/"
        if self.site_root and path.startswith(self.site_root):
            path = path[len(self.site_root) :] or "/"
        return any(name_pattern(p).fullmatch(path) for p in self.config["sensitive"])

    def health_leak(self, request: SeenRequest) -> str | None:
        """What in a vendor request reveals health: a sensitive page's address or a term."""
        values = [v for _, v in parse_qsl(urlsplit(request.url).query)]
        for line in request.body.splitlines():
            values += [v for _, v in parse_qsl(line)]
        for value in values:
            text = unquote(value)
            if "/" in text and self.is_sensitive(text):
                return f"the address of a health-sensitive page ({urlsplit(text).path})"
            lowered = text.lower()
            for term in self.config["terms"]:
                if term in lowered:
                    return f"the health term {term!r}"
        return None


def judge(register: SiteRegister, seen: Observation) -> list[Finding]:
    """Every finding in one step's observation."""
    findings: list[Finding] = []
    firewalled = set(register.config.get("firewalled", []))
    allowed = set(seen.allowed) - (firewalled if seen.sensitive else set())
    before = not seen.allowed and seen.step in ("first visit", "reject all")
    for cookie in seen.cookies:  # consented cookies stay, even on a health-sensitive page
        findings += _cookie(register, seen.step, cookie, set(seen.allowed), before)
    for request in seen.requests:
        vendor = register.vendor_of(request.url)
        if vendor is None:
            continue
        needs = set(vendor["categories"])
        if seen.sensitive and needs & firewalled:
            findings.append(
                Finding(
                    seen.step,
                    "request.sensitive_page",
                    f"{vendor['name']} was called from a health-sensitive page ({request.page})",
                    request.url,
                )
            )
        elif not needs <= allowed:
            code = "request.before_consent" if before else _code(seen.step, "request")
            findings.append(
                Finding(
                    seen.step,
                    code,
                    f"{vendor['name']} ({', '.join(sorted(needs))}) was called without consent",
                    request.url,
                )
            )
        leak = register.health_leak(request)
        if leak is not None:
            findings.append(
                Finding(
                    seen.step,
                    "request.health_leak",
                    f"a request to {vendor['name']} carries {leak}",
                    request.url,
                )
            )
    return findings


def _cookie(
    register: SiteRegister, step: str, cookie: SeenCookie, allowed: set[str], before: bool
) -> Iterable[Finding]:
    category = register.cookie_category(cookie.name)
    if category is None:
        yield Finding(
            step,
            "cookie.unregistered",
            f"cookie {cookie.name} ({cookie.domain}) is not in the cookie register",
            cookie.name,
        )
    elif category != ESSENTIAL and category not in allowed:
        code = "cookie.before_consent" if before else _code(step, "cookie")
        yield Finding(
            step, code, f"{category} cookie {cookie.name} was set without consent", cookie.name
        )


def _code(step: str, kind: str) -> str:
    return f"{kind}.after_withdrawal" if step == "withdraw" else f"{kind}.not_consented"

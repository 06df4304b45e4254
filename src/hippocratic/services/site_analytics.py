"""The clinic's own website analytics, kept only as its policy and its privacy notice allow.

A page view is recorded only if all of this holds, else nothing is stored and ``Recorded`` says
why:

- the policy has a retention rule for website analytics (``record_type: analytics_data``) and a
  data category under it that declares ``pages_visited`` (the notice's "pages visited");
- the visitor's consent cookie consents to analytics now (``cookie_consent.consented``, the
  server's own reading of it: a tag that fires without consent stores nothing);
- the page reveals no health (a health-sensitive route, or a path naming a health-revealing
  service: S0-96), and its path holds no card number.

What is kept is only what that category declares: the path without its query string
(``pages_visited``), the referring site's host (``referral_source``), the IP address truncated to
its /24 or /48 network (``ip_address``), and, if the policy registers its own analytics cookie,
a SHA-256 pseudonym of that cookie. The rule decides how long (``retention_sweep`` anonymises or
deletes each visit on its first due day: S0-78); withdrawing analytics consent deletes the
visitor's visits at once (``forget``), entered in the deletion register so that a restore
deletes them again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from hippocratic.domain.calendar import add_months
from hippocratic.domain.card_number import find_card_number
from hippocratic.domain.retention_due import plan
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.retention import RetentionAction, RetentionRule
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.cookie_banner import health_terms, is_sensitive, register
from hippocratic.services.cookie_consent import consented
from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions as deletions
from hippocratic.storage import site_visit
from hippocratic.storage.disposal_register import Disposal
from hippocratic.storage.retention_due import FactColumns, due
from hippocratic.storage.site_visit import SiteVisitRow

RECORD_TYPE = "analytics_data"
COLUMNS = {"pages_visited": "path", "referral_source": "referrer_host", "ip_address": "ip_prefix"}
"""The policy's field key for each thing a visit can hold."""
TABLE = SiteVisitRow.__tablename__
WITHDRAWAL = "withdrawal"
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


@dataclass(frozen=True)
class Hit:
    """A page view as the beacon reported it, and the cookies it came with."""

    path: str
    referrer: str | None = None
    consent_cookie: str | None = None
    analytics_cookie: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class Recorded:
    stored: bool
    reason: str
    kept: tuple[str, ...] = ()
    """The policy's field keys the stored visit holds (with ``visitor`` for the pseudonym)."""


@dataclass(frozen=True)
class MonthOfVisits:
    month: str
    """``YYYY-MM``."""
    visits: int
    pseudonymous: int
    """Visits still holding a pseudonym, an address or a moment (not yet anonymised)."""


@dataclass(frozen=True)
class Summary:
    organisation: str
    rule: str | None
    kept: list[str]
    months: list[MonthOfVisits] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    oldest_pseudonymous: date | None = None


def rule_of(policy: Policy) -> RetentionRule | None:
    """The policy's retention rule for website analytics, if it keeps any."""
    return next((r for r in policy.retention if r.record_type == RECORD_TYPE), None)


def kept_fields(policy: Policy) -> list[str]:
    """What a visit may hold under the policy: the analytics category's field keys that a visit
    has a place for (none unless it declares ``pages_visited``), and ``visitor`` if the policy
    registers its own analytics cookie."""
    rule = rule_of(policy)
    if rule is None:
        return []
    fields = {f.key for c in policy.categories if c.retention == rule.key for f in c.fields} & set(
        COLUMNS
    )
    if "pages_visited" not in fields:
        return []
    visitor = ["visitor"] if own_cookie(policy, CookieCategory.ANALYTICS) else []
    return [k for k in COLUMNS if k in fields] + visitor


def own_cookie(policy: Policy, category: CookieCategory) -> str | None:
    """The organisation's own (first-party) register cookie of ``category``, if any."""
    if policy.cookies is None:
        return None
    cookies = register(policy)
    found = (c.name for c in cookies.cookies if c.category is category and c.vendor is None)
    return next((n for n in found if "*" not in n), None)


def pseudonym(organisation: str, cookie: str) -> str:
    return hashlib.sha256(f"{organisation}:{cookie}".encode()).hexdigest()


def truncated(address: str | None) -> str | None:
    """The network of ``address`` (/24 for IPv4, /48 for IPv6), or None if it is none."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def referrer_host(referrer: str | None) -> str | None:
    try:
        host = urlsplit(referrer or "").hostname
    except ValueError:
        return None
    return host[:253] if host else None


def clean_path(path: str) -> str | None:
    """The path alone (no query string or fragment), or None if it is not a site path."""
    bare = path.split("?", 1)[0].split("#", 1)[0].strip()
    if not bare.startswith("/") or len(bare) > 200 or not bare.isprintable():
        return None
    return bare


def health_revealing(policy: Policy, path: str) -> bool:
    lowered = path.lower()
    return is_sensitive(policy, path) or any(term in lowered for term in health_terms(policy))


def due_visits(rule: RetentionRule, as_of: date, year_end: YearEnd | None) -> ColumnElement[bool]:
    """Visits whose disposal date under ``rule`` is on or before ``as_of``, as SQL."""
    return due(
        plan(rule, as_of, year_end), FactColumns(collected=SiteVisitRow.visited_on.expression)
    )


class SiteAnalytics:
    """One organisation's website analytics."""

    def __init__(self, store: Store, organisation: str) -> None:
        self.store = store
        self.organisation = organisation
        self.policy = store.policy_of(organisation)
        self.kept = kept_fields(self.policy)

    def record(self, hit: Hit) -> Recorded:
        if not self.kept:
            return Recorded(False, "the policy keeps no website analytics")
        now = self.store.clock.now()
        if CookieCategory.ANALYTICS.value not in consented(self.policy, hit.consent_cookie, now):
            return Recorded(False, "the visitor has not consented to analytics")
        path = clean_path(hit.path)
        if path is None:
            return Recorded(False, "not a path of the site")
        if health_revealing(self.policy, path):
            return Recorded(False, "the page reveals health: never measured")
        if find_card_number(path):
            return Recorded(False, "the path holds a card number: never stored")
        values = {
            "referral_source": referrer_host(hit.referrer),
            "ip_address": truncated(hit.client_ip),
        }
        visitor = hit.analytics_cookie if "visitor" in self.kept else None
        visitor = visitor if visitor and COOKIE_VALUE.fullmatch(visitor) else None
        row = SiteVisitRow(
            organisation_id=self.organisation,
            visit_id=uuid.uuid4().hex,
            visited_on=london_date(now),
            visited_at=now,
            path=path,
            referrer_host=values["referral_source"] if "referral_source" in self.kept else None,
            ip_prefix=values["ip_address"] if "ip_address" in self.kept else None,
            visitor_id=pseudonym(self.organisation, visitor) if visitor else None,
        )
        with self.store.sessions.begin() as session:
            site_visit.add(session, row)
        held = ["pages_visited"] + [k for k, v in values.items() if k in self.kept and v]
        return Recorded(True, "recorded", tuple(held + (["visitor"] if visitor else [])))

    def forget(self, analytics_cookie: str | None) -> int:
        """Delete every visit of the visitor whose own analytics cookie is ``analytics_cookie``
        (analytics consent withdrawn), entered in the deletion register first; how many."""
        if not analytics_cookie or not COOKIE_VALUE.fullmatch(analytics_cookie):
            return 0
        visitor = pseudonym(self.organisation, analytics_cookie)
        now = self.store.clock.now()
        with self.store.sessions.begin() as session:
            n = site_visit.delete_visitor(session, self.organisation, [visitor])
            if n:
                why = Disposal(WITHDRAWAL, None, "website visitor")
                deletions.record(
                    self.store.key_engine, self.organisation, TABLE, TABLE,
                    deletions.DELETE, [(visitor, "visitor")], now, why,
                )  # fmt: skip
        return n

    def summary(self, months: int = 12) -> Summary:
        """Visits per month over the last ``months`` and per page, and how many are still
        pseudonymous: counts only, never a visitor."""
        today = london_date(self.store.clock.now())
        since, _ = add_months(today.replace(day=1), -(months - 1))
        rule = rule_of(self.policy)
        with self.store.sessions() as session:
            rows = site_visit.daily(session, self.organisation, since)
            oldest = site_visit.oldest_pseudonymous(session, self.organisation)
        visits: Counter[str] = Counter()
        pseudonymous: Counter[str] = Counter()
        pages: Counter[str] = Counter()
        for day, path, n, named in rows:
            month = f"{day:%Y-%m}"
            visits[month] += n
            pseudonymous[month] += named
            pages[path] += n
        found = [MonthOfVisits(m, visits[m], pseudonymous[m]) for m in sorted(visits)]
        return Summary(
            self.organisation,
            rule.key if rule else None,
            self.kept,
            found,
            dict(pages.most_common(20)),
            oldest,
        )


def dispose(
    session: Session, policy: Policy, organisation: str, as_of: date, *, dry_run: bool = False
) -> tuple[RetentionRule, str, int] | None:
    """Anonymise (or, if its rule says so, delete) every visit due on ``as_of``, in one
    statement of the caller's transaction: (rule, action, how many), or None where the policy
    keeps no analytics. For the retention sweep, which certifies it in the same transaction,
    and for a restore, which carries it out again."""
    rule = rule_of(policy)
    if rule is None:
        return None
    action = "delete" if rule.action is RetentionAction.DELETE else "anonymise"
    condition = due_visits(rule, as_of, policy.organisation.year_end)
    if dry_run:
        n = site_visit.count_due(session, organisation, condition)
    elif action == "delete":
        n = site_visit.delete_due(session, organisation, condition)
    else:
        n = site_visit.anonymise_due(session, organisation, condition)
    return rule, action, n


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()

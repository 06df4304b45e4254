"""A website visitor's cookie choices: the receipts kept of them, what the consent cookie says
now, which cookies a withdrawal must delete, and the disposal of receipts past retention.

Receipts are anonymous: the visitor id is random, made by the banner and kept only in the
essential consent cookie; no IP address, user agent or page address is stored (S1-04: a receipt
exists only for an explicit choice, and browsing records nothing). They are kept for
``cookies.consent_record_retention`` and then deleted in one statement (``delete_expired``),
which the retention job calls.

The consent cookie reads ``1|visitor|cat.cat|banner|sha12|notice|epoch``; ``consented`` is the
server's reading of it, the same as the banner's: a cookie from another banner version, banner
text or notice version, or older than ``cookies.reconsent_after``, consents to nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote

from hippocratic.domain.calendar import add_months
from hippocratic.domain.retention_catalogue import add_period
from hippocratic.errors import Conflict, InputError
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.retention import Period
from hippocratic.services.cookie_banner import BANNER_VERSION, banner_sha256, gated, register
from hippocratic.services.store import Store
from hippocratic.storage import cookie_receipt
from hippocratic.storage.cookie_receipt import CookieReceiptRow

ACTIONS = ("accept_all", "reject_all", "choose", "withdraw")
"""Every receipt is one of these explicit actions; there is no 'implied' or 'browsing' one."""
VISITOR = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
COOKIE_FORMAT = "1"


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    visitor_id: str
    action: str
    categories: list[str]
    banner_version: str
    banner_sha256: str
    notice_version: str
    gpc: bool
    recorded_at: datetime


def parse_choice(policy: Policy, payload: Any, *, gpc_header: bool) -> dict[str, Any]:
    """A receipt's fields from what the banner posted, or InputError/Conflict: only an explicit
    action, only the categories the banner offers, only under the banner shown now."""
    if not isinstance(payload, Mapping):
        raise InputError("a receipt is a JSON object", hint="post what consent.js sends")
    visitor = payload.get("visitor")
    if not isinstance(visitor, str) or not VISITOR.fullmatch(visitor):
        raise InputError("the visitor id is 32 lower-case hex digits", field="visitor")
    action = payload.get("action")
    if action not in ACTIONS:
        raise InputError(
            f"{action!r} is not a choice: consent is only an explicit action (S1-04)",
            field="action",
            hint=f"one of: {', '.join(ACTIONS)}",
        )
    offered = gated(policy)
    chosen = payload.get("categories")
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise InputError("categories is a list of category keys", field="categories")
    unknown = sorted(set(chosen) - set(offered))
    if unknown:
        raise InputError(
            f"not a category this banner asks about: {', '.join(unknown)}",
            field="categories",
            hint=f"one of: {', '.join(offered)}",
        )
    gpc = payload.get("gpc") is True or gpc_header
    _check_action(action, set(chosen), offered, gpc)
    shown = {
        "banner_version": BANNER_VERSION,
        "banner_sha256": banner_sha256(policy),
        "notice_version": policy.notice.version,
    }
    for field, current in shown.items():
        if payload.get(field) != current:
            raise Conflict(
                f"the banner has changed since this page was loaded ({field})",
                field=field,
                hint="reload the page and choose again",
            )
    return {
        "visitor_id": visitor,
        "action": action,
        "categories": [c for c in offered if c in chosen],
        "gpc": gpc,
        **shown,
    }


def _check_action(action: str, chosen: set[str], offered: list[str], gpc: bool) -> None:
    everything = set(offered)
    if gpc:
        everything.discard(CookieCategory.ADVERTISING.value)
    if action == "accept_all" and chosen != everything and chosen != set(offered):
        raise InputError("accept_all names every category offered", field="categories")
    if action == "reject_all" and chosen:
        raise InputError("reject_all names no category", field="categories")


class CookieReceipts:
    """One organisation's cookie consent receipts."""

    def __init__(self, store: Store, organisation: str) -> None:
        self.store = store
        self.organisation = organisation
        self.policy = store.policy_of(organisation)

    def record(self, payload: Any, *, gpc_header: bool = False) -> Receipt:
        fields = parse_choice(self.policy, payload, gpc_header=gpc_header)
        receipt = Receipt(receipt_id=uuid.uuid4().hex, recorded_at=self.store.clock.now(), **fields)
        row = CookieReceiptRow(
            organisation_id=self.organisation,
            receipt_id=receipt.receipt_id,
            visitor_id=receipt.visitor_id,
            action=receipt.action,
            categories=" ".join(receipt.categories),
            banner_version=receipt.banner_version,
            banner_sha256=receipt.banner_sha256,
            notice_version=receipt.notice_version,
            gpc=receipt.gpc,
            recorded_at=receipt.recorded_at,
        )
        with self.store.sessions.begin() as session:
            cookie_receipt.add_receipt(session, row)
        return receipt

    def of_visitor(self, visitor: str) -> list[Receipt]:
        with self.store.sessions() as session:
            rows = cookie_receipt.receipts_of(session, self.organisation, visitor)
        return [_receipt(row) for row in rows]

    def count(self) -> int:
        with self.store.sessions() as session:
            return cookie_receipt.count_receipts(session, self.organisation)

    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete the receipts older than ``cookies.consent_record_retention``; how many."""
        cutoff = retention_cutoff(
            now or self.store.clock.now(), register(self.policy).consent_record_retention
        )
        with self.store.sessions.begin() as session:
            return cookie_receipt.delete_expired(session, self.organisation, cutoff)


def delete_expired_receipts(store: Store, now: datetime | None = None) -> dict[str, int]:
    """For the retention job: every organisation's expired receipts deleted, counted."""
    with store.sessions() as session:
        organisations = store.organisations(session)
    deleted: dict[str, int] = {}
    for organisation in organisations:
        if store.policy_of(organisation).cookies is not None:
            deleted[organisation] = CookieReceipts(store, organisation).delete_expired(now)
    return deleted


def _receipt(row: CookieReceiptRow) -> Receipt:
    return Receipt(
        receipt_id=row.receipt_id,
        visitor_id=row.visitor_id,
        action=row.action,
        categories=row.categories.split(),
        banner_version=row.banner_version,
        banner_sha256=row.banner_sha256,
        notice_version=row.notice_version,
        gpc=row.gpc,
        recorded_at=row.recorded_at,
    )


def retention_cutoff(now: datetime, period: Period) -> datetime:
    """The earliest moment a receipt recorded at or after is still within ``period``: every
    receipt recorded before it has ``recorded + period <= now``."""
    now = now.astimezone(UTC)
    day, clamped = add_months(now.date(), -(period.years * 12 + period.months))
    moment = datetime.combine(day, now.timetz()) - timedelta(days=period.days)
    if clamped:  # every day to the month's end, plus the period, ends by now
        following = day + timedelta(days=1)
        moment = datetime.combine(following, time(0, tzinfo=UTC)) - timedelta(days=period.days)
    return moment


def consented(policy: Policy, value: str | None, now: datetime) -> frozenset[str]:
    """The categories the consent cookie's value consents to now (none if it is absent, from
    another banner or notice, or due to be asked again)."""
    if not value:
        return frozenset()
    parts = value.split("|")
    if len(parts) != 7 or parts[0] != COOKIE_FORMAT or not VISITOR.fullmatch(parts[1]):
        return frozenset()
    _, _, categories, banner, sha12, notice, epoch = parts
    cookies = register(policy)
    current = (BANNER_VERSION, banner_sha256(policy)[:12], policy.notice.version)
    if (banner, sha12, unquote(notice)) != current or not epoch.isdigit():
        return frozenset()
    chosen = datetime.fromtimestamp(int(epoch), UTC)
    due = add_period(chosen.date(), cookies.reconsent_after)
    if datetime.combine(due, chosen.timetz()) <= now or chosen > now + timedelta(days=1):
        return frozenset()
    return frozenset(c for c in categories.split(".") if c in gated(policy))


def cookies_to_expire(policy: Policy, present: Iterable[str], keep: Iterable[str]) -> list[str]:
    """The cookies to delete when only ``keep`` (category keys) is consented: every
    non-essential register cookie of another category that the browser sent, and each
    exactly named one, so an HttpOnly cookie the page cannot see goes too."""
    cookies = register(policy)
    kept = set(keep) | {CookieCategory.ESSENTIAL.value}
    names = [
        name
        for name in present
        if (c := cookies.cookie_named(name)) is not None and c.category.value not in kept
    ]
    names += [c.name for c in cookies.cookies if "*" not in c.name and c.category.value not in kept]
    return list(dict.fromkeys(names))


def cookie_domains(host: str) -> list[str | None]:
    """Where a cookie for ``host`` may have been set: host-only (None) and each parent domain
    (tags set theirs on the registrable domain, ``.example.co.uk``)."""
    host = host.split(":")[0].strip(".").lower()
    if not host or host.replace(".", "").isdigit() or host == "localhost":
        return [None]
    labels = host.split(".")
    return [None, *(".".join(labels[i:]) for i in range(len(labels) - 1))]

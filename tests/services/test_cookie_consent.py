"""Cookie consent receipts and the consent cookie, on both engines: only explicit choices under
the banner shown now are kept, without personal data, and only for the policy's retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import Conflict, InputError
from hippocratic.policy.retention import Period
from hippocratic.services.cookie_banner import BANNER_VERSION, banner_sha256
from hippocratic.services.cookie_consent import (
    CookieReceipts,
    consented,
    cookie_domains,
    cookies_to_expire,
    delete_expired_receipts,
    retention_cutoff,
)
from hippocratic.services.store import Store

VISITOR = "0123456789abcdef0123456789abcdef"


def choice(store: Store, org: str = "harmonic", **changes: Any) -> dict[str, Any]:
    policy = store.policy_of(org)
    payload: dict[str, Any] = {
        "visitor": VISITOR,
        "action": "choose",
        "categories": ["analytics"],
        "banner_version": BANNER_VERSION,
        "banner_sha256": banner_sha256(policy),
        "notice_version": policy.notice.version,
        "gpc": False,
    }
    return {**payload, **changes}


@pytest.mark.promise("S0-103")
def test_each_choice_is_kept_with_the_banner_version_text_and_time(store: Store) -> None:
    receipts = CookieReceipts(store, "harmonic")
    first = receipts.record(choice(store))
    store.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    receipts.record(choice(store, action="withdraw", categories=[]), gpc_header=True)
    kept = receipts.of_visitor(VISITOR)
    assert [(r.action, r.categories, r.gpc) for r in kept] == [
        ("choose", ["analytics"], False),
        ("withdraw", [], True),
    ]
    assert kept[0].receipt_id == first.receipt_id
    assert kept[0].banner_sha256 == banner_sha256(store.policy_of("harmonic"))
    assert kept[0].notice_version == "2024-11-18"
    assert kept[1].recorded_at == store.clock.now()
    assert CookieReceipts(store, "harmony").count() == 0


@pytest.mark.promise("S1-04")
@pytest.mark.parametrize("action", ["implied", "browsing", "scroll", None])
def test_only_an_explicit_action_is_a_choice(store: Store, action: str | None) -> None:
    with pytest.raises(InputError) as refused:
        CookieReceipts(store, "harmonic").record(choice(store, action=action))
    assert refused.value.field == "action"
    assert CookieReceipts(store, "harmonic").count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visitor": "192.0.2.1"}, "visitor"),
        ({"categories": ["marketing"]}, "categories"),
        ({"categories": "analytics"}, "categories"),
        ({"action": "accept_all", "categories": ["analytics"]}, "categories"),
        ({"action": "reject_all", "categories": ["analytics"]}, "categories"),
    ],
)
def test_a_receipt_names_only_what_the_banner_offers(
    store: Store, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as refused:
        CookieReceipts(store, "harmonic").record(choice(store, **changes))
    assert refused.value.field == field


def test_accept_all_under_gpc_may_leave_advertising_off(store: Store) -> None:
    everything = ["performance", "functional", "analytics"]
    receipts = CookieReceipts(store, "harmonic")
    kept = receipts.record(choice(store, action="accept_all", categories=everything, gpc=True))
    assert kept.gpc is True and "advertising" not in kept.categories
    with pytest.raises(InputError):
        receipts.record(choice(store, action="accept_all", categories=everything))


@pytest.mark.parametrize(
    "changes",
    [{"banner_sha256": "0" * 64}, {"banner_version": "0"}, {"notice_version": "2019-01-01"}],
)
def test_a_choice_under_another_banner_is_refused(store: Store, changes: dict[str, Any]) -> None:
    with pytest.raises(Conflict):
        CookieReceipts(store, "harmonic").record(choice(store, **changes))


def test_receipts_are_deleted_after_the_policys_retention(store: Store) -> None:
    """Six months (``consent_record_retention``), in one statement, per organisation."""
    clock = store.clock
    assert isinstance(clock, FixedClock)
    start = clock.now()
    CookieReceipts(store, "harmonic").record(choice(store))
    CookieReceipts(store, "harmony").record(choice(store, "harmony"))
    clock.advance(timedelta(days=100))
    CookieReceipts(store, "harmonic").record(choice(store, visitor="f" * 32))
    assert delete_expired_receipts(store) == {"harmonic": 0, "harmony": 0}
    later = datetime(2027, 5, 24, 9, 0, tzinfo=UTC)  # recorded 24 Nov 2026 at 09:00 + 6 months
    assert start == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert delete_expired_receipts(store, later) == {
        "harmonic": 0,
        "harmony": 0,
    }
    later += timedelta(seconds=1)
    assert delete_expired_receipts(store, later) == {"harmonic": 1, "harmony": 1}
    assert CookieReceipts(store, "harmonic").of_visitor(VISITOR) == []
    assert len(CookieReceipts(store, "harmonic").of_visitor("f" * 32)) == 1


@pytest.mark.parametrize(
    ("now", "period", "cutoff"),
    [
        (datetime(2026, 8, 15, 9, 30, tzinfo=UTC), Period(months=6), datetime(2026, 2, 15, 9, 30, tzinfo=UTC)),
        # 31 August less six months has no 31 February: all of February has expired.
        (datetime(2026, 8, 31, 9, 0, tzinfo=UTC), Period(months=6), datetime(2026, 3, 1, tzinfo=UTC)),
        (datetime(2026, 8, 15, tzinfo=UTC), Period(years=1, days=10), datetime(2025, 8, 5, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_retention_cutoff_counts_calendar_months(
    now: datetime, period: Period, cutoff: datetime
) -> None:
    assert retention_cutoff(now, period) == cutoff


def _cookie(store: Store, categories: str, when: datetime, **changes: str) -> str:
    policy = store.policy_of("harmonic")
    parts = {
        "banner": BANNER_VERSION,
        "sha": banner_sha256(policy)[:12],
        "notice": policy.notice.version,
    } | changes
    epoch = int(when.timestamp())
    return f"1|{VISITOR}|{categories}|{parts['banner']}|{parts['sha']}|{parts['notice']}|{epoch}"


@pytest.mark.promise("S0-104", "S1-04")
def test_the_consent_cookie_counts_only_while_the_banner_notice_and_period_hold(
    store: Store,
) -> None:
    policy = store.policy_of("harmonic")
    now = store.clock.now()
    value = _cookie(store, "analytics.advertising", now - timedelta(days=1))
    assert consented(policy, value, now) == {"analytics", "advertising"}
    assert consented(policy, None, now) == frozenset()  # no cookie: no consent (S1-04)
    assert consented(policy, "garbage", now) == frozenset()
    assert consented(policy, _cookie(store, "analytics.unknown", now), now) == {"analytics"}
    assert consented(policy, _cookie(store, "analytics", now, notice="old"), now) == frozenset()
    assert consented(policy, _cookie(store, "analytics", now, sha="0" * 12), now) == frozenset()
    assert consented(policy, _cookie(store, "analytics", now, banner="0"), now) == frozenset()
    # reconsent_after (six months by default) asks again
    six_months = _cookie(store, "analytics", datetime(2026, 5, 24, 9, 0, tzinfo=UTC))
    assert consented(policy, six_months, now) == frozenset()
    assert consented(policy, six_months, now - timedelta(seconds=1)) == {"analytics"}


def test_withdrawal_expires_every_other_register_cookie_wildcards_included(
    store: Store,
) -> None:
    policy = store.policy_of("harmonic")
    present = ["_ga", "_ga_ABC123", "_fbp", "hms_consent", "hms_session", "someone_else"]
    expire = cookies_to_expire(policy, present, keep={"advertising"})
    assert "_ga_ABC123" in expire and "_ga" in expire and "hms_lang" in expire
    assert not {"_fbp", "_fbc", "_gcl_au", "hms_consent", "hms_session", "someone_else"} & set(
        expire
    )
    assert "_ga_*" not in expire


def test_cookies_are_expired_on_the_host_and_each_parent_domain() -> None:
    assert cookie_domains("www.harmonic.example.co.uk") == [
        None,
        "www.harmonic.example.co.uk",
        "harmonic.example.co.uk",
        "example.co.uk",
        "co.uk",
    ]
    assert cookie_domains("127.0.0.1") == [None]
    assert cookie_domains("localhost:8000") == [None]

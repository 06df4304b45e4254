"""The clinic's own website analytics, on both engines: a page view is kept only with analytics
consent, only as the policy's analytics category allows, never for a health-revealing page, and
the retention sweep anonymises it on the first day its rule allows (S0-78), never a day early."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from hippocratic.services.cookie_banner import BANNER_VERSION, banner_sha256
from hippocratic.services.retention_forecast import forecast
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.site_analytics import Hit, SiteAnalytics, pseudonym
from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.site_visit import SiteVisitRow

VISITOR = "0123456789abcdef0123456789abcdef"


def consent(store: Store, org: str, categories: str = "analytics") -> str:
    policy = store.policy_of(org)
    epoch = int(store.clock.now().timestamp())
    sha = banner_sha256(policy)[:12]
    return f"1|{VISITOR}|{categories}|{BANNER_VERSION}|{sha}|{quote(policy.notice.version)}|{epoch}"


def visits(store: Store, org: str) -> list[SiteVisitRow]:
    with store.sessions() as session:
        query = select(SiteVisitRow).where(SiteVisitRow.organisation_id == org)
        return list(session.scalars(query.order_by(SiteVisitRow.visited_on)))


def hit(store: Store, org: str, path: str = "/prices?email=ada%40example.org", **kw: str) -> Hit:
    fields = {
        "referrer": "https://search.example.org/results?q=scan+near+me",
        "consent_cookie": consent(store, org),
        "analytics_cookie": "738290011234",
        "client_ip": "203.0.113.77",
    }
    return Hit(path=path, **{**fields, **kw})


@pytest.mark.promise("S1-04")
def test_a_visit_is_kept_only_with_consent_and_only_what_the_policy_declares(
    store: Store,
) -> None:
    analytics = SiteAnalytics(store, "harmony")
    refused = analytics.record(hit(store, "harmony", consent_cookie=consent(store, "harmony", "")))
    assert (refused.stored, refused.reason) == (False, "the visitor has not consented to analytics")
    assert visits(store, "harmony") == []

    kept = analytics.record(hit(store, "harmony"))
    assert kept.stored and kept.kept == ("pages_visited", "referral_source", "visitor")
    (row,) = visits(store, "harmony")
    assert row.path == "/prices"  # the query string, with its email address, is never stored
    assert row.referrer_host == "search.example.org"  # the search terms neither
    assert row.ip_prefix is None  # Harmony's usage category declares no IP address
    assert row.visitor_id == pseudonym("harmony", "738290011234") != "738290011234"
    assert row.visited_at is not None and row.visited_on == date(2026, 11, 24)


def test_a_health_revealing_page_or_a_card_number_is_never_measured(store: Store) -> None:
    analytics = SiteAnalytics(store, "harmonic")
    scan = analytics.record(hit(store, "harmonic", path="/early-pregnancy-scan"))
    blog = analytics.record(hit(store, "harmonic", path="/blog/what-an-early-pregnancy-scan-shows"))
    card = analytics.record(hit(store, "harmonic", path="/pay/4111-1111-1111-1111"))
    bad = analytics.record(hit(store, "harmonic", path="https://elsewhere.example.org/"))
    assert [r.stored for r in (scan, blog, card, bad)] == [False] * 4
    assert scan.reason == "the page reveals health: never measured"
    assert card.reason == "the path holds a card number: never stored"
    assert visits(store, "harmonic") == []


@pytest.mark.promise("S0-78")
def test_an_analytics_row_is_anonymised_on_its_first_day_past_24_months_never_before(
    store: Store,
) -> None:
    analytics = SiteAnalytics(store, "harmonic")
    assert analytics.record(hit(store, "harmonic")).kept == ("pages_visited", "ip_address")
    (row,) = visits(store, "harmonic")
    assert row.ip_prefix == "203.0.113.0/24" and row.visitor_id is None  # no own cookie

    sweep = RetentionSweep(store, "harmonic")
    early = sweep.run(date(2028, 11, 23))
    assert early.counts.get("analytics/site_visit/anonymise", 0) == 0
    (row,) = visits(store, "harmonic")
    assert row.ip_prefix == "203.0.113.0/24" and row.visited_at is not None

    months = forecast(store, "harmonic", date(2028, 10, 15), months=2).months
    assert [(m.month, m.by_rule.get("analytics", 0)) for m in months] == [
        ("2028-10", 0),
        ("2028-11", 1),
    ]

    dry = sweep.run(date(2028, 11, 24), dry_run=True)
    assert dry.counts["analytics/site_visit/anonymise"] == 1
    assert visits(store, "harmonic")[0].ip_prefix is not None

    done = sweep.run(date(2028, 11, 24))
    assert done.counts["analytics/site_visit/anonymise"] == 1
    (row,) = visits(store, "harmonic")
    assert (row.ip_prefix, row.visitor_id, row.visited_at) == (None, None, None)
    assert (row.path, row.visited_on) == ("/prices", date(2026, 11, 24))  # counts stay
    summary = analytics.summary(months=36)
    assert summary.months[0].visits == 1 and summary.months[0].pseudonymous == 0
    assert summary.oldest_pseudonymous is None

    with store.sessions() as session:
        reasons = session.scalars(
            select(AuditEventRow.reason).where(
                AuditEventRow.organisation_id == "harmonic", AuditEventRow.action == "anonymise"
            )
        ).all()
    (certificate,) = [r for r in reasons if "site_visit" in (r or "")]
    assert "1 site_visit item(s) anonymised under rule analytics" in certificate
    assert "203.0.113" not in certificate and "/prices" not in certificate
    assert sweep.run(date(2028, 11, 25)).counts.get("analytics/site_visit/anonymise", 0) == 0


def test_withdrawing_consent_deletes_the_visitors_visits_and_a_restore_deletes_them_again(
    store: Store,
) -> None:
    analytics = SiteAnalytics(store, "harmony")
    analytics.record(hit(store, "harmony"))
    analytics.record(hit(store, "harmony", analytics_cookie="someone-else"))
    store.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    assert analytics.forget("738290011234") == 1
    assert [r.visitor_id for r in visits(store, "harmony")] == [
        pseudonym("harmony", "someone-else")
    ]

    (entry,) = [
        e for e in disposal_deletions.entries(store.key_engine, "harmony")
        if e.record_table == "site_visit"
    ]  # fmt: skip
    assert (entry.subject, entry.cause) == (pseudonym("harmony", "738290011234"), "withdrawal")

    # an older backup brings the visit back; the register's replay deletes it again
    store.clock.advance(timedelta(minutes=-5))  # type: ignore[attr-defined]
    analytics.record(hit(store, "harmony"))
    store.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    analytics.record(hit(store, "harmony"))  # a visit after consent was given again stays
    with store.sessions.begin() as session:
        replayed = disposal_deletions.replay(session, "harmony", [entry])
    assert replayed.deleted == 1
    kept = [r.visited_at for r in visits(store, "harmony") if r.visitor_id == entry.subject]
    assert (
        len(kept) == 1
        and kept[0] is not None
        and kept[0] > datetime.fromisoformat("2026-11-24T09:05:00+00:00")
    )

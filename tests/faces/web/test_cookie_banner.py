"""The cookie banner in a real browser: Debian's Chromium driven by Playwright over uvicorn
serving the demo site (``/demo/site``), whose Google and Meta tags call local stand-ins. Every
request and cookie is recorded: nothing optional before a choice or after Reject all, only
what was accepted after a choice, nothing on health-sensitive pages, nothing after withdrawal
(and the cookies gone), advertising off under Global Privacy Control, a receipt for each
choice, no serious accessibility violation, and all of it by keyboard alone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY, _postgres_schema_url
from tests.faces.web.live_server import serving
from tests.faces.web.test_browser import CHROMIUM, accessible

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.services.cookie_banner import DEMO_STAND_INS
from hippocratic.services.cookie_consent import CookieReceipts, Receipt
from hippocratic.services.store import Store, add_organisation, init_store

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("HIPPOCRATIC_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium is not installed (make test installs it)",
)
ADVERTISING = {"google_ads", "meta"}
OPTIONAL = {"_ga", "_ga_DEMO0001", "_gcl_au", "_fbp", "_fbc", "hms_lang"}
RECEIPT = "**/consent/receipts"


@dataclass(frozen=True)
class Site:
    url: str
    store: Store


@dataclass
class Browsing:
    """A page in its own browser context, with every request it makes recorded."""

    page: Any
    context: Any
    site: Site
    requests: list[Any] = field(default_factory=list)

    def vendors(self) -> dict[str, list[str]]:
        """The stand-in vendors called since the last ``forget``, with the URLs."""
        called: dict[str, list[str]] = {}
        for request in self.requests:
            path = urlsplit(request.url).path
            for stand_in in DEMO_STAND_INS:
                if path.startswith(stand_in.prefix):
                    called.setdefault(stand_in.vendor, []).append(request.url)
        return called

    def forget(self) -> None:
        self.requests.clear()

    def cookies(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.context.cookies()}

    def visit(self, path: str) -> None:
        self.page.goto(self.site.url + path)
        self.page.wait_for_load_state("networkidle")

    def choose(self, *selectors: str) -> None:
        """Click through to a choice; wait for its receipt; load the next page."""
        with self.page.expect_response(RECEIPT) as answer:
            for selector in selectors:
                self.page.click(selector)
        assert answer.value.status == 201
        self.page.wait_for_load_state("networkidle")
        self.page.reload()
        self.page.wait_for_load_state("networkidle")

    def receipts(self, org: str = "harmonic") -> list[Receipt]:
        visitor = unquote(self.cookies()["hms_consent"]["value"]).split("|")[1]
        return CookieReceipts(self.site.store, org).of_visitor(visitor)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    where = tmp_path_factory.mktemp("banner")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{where / 'store.db'}"
    else:
        schema = _postgres_schema_url(request.getfixturevalue("postgres_server"))
        url = next(schema)
    store = init_store(HARMONIC_POLICY, url, where / "keys")
    add_organisation(store, HARMONY_POLICY)
    with serving(create_app(SHIPPED_POLICIES, where / "archive", store)) as url:
        yield Site(url, store)
    store.dispose()
    if schema is not None:
        next(schema, None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def _browsing(browser: Any, site: Site, gpc: str = "") -> Iterator[Browsing]:
    headers = {"Sec-GPC": "1"} if "header" in gpc else {}
    context = browser.new_context(locale="en-GB", extra_http_headers=headers)
    if "script" in gpc:
        context.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
        )
    browsing = Browsing(context.new_page(), context, site)
    context.on("request", lambda request: browsing.requests.append(request))
    yield browsing
    context.close()


@pytest.fixture
def visitor(browser: Any, site: Site) -> Iterator[Browsing]:
    yield from _browsing(browser, site)


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.promise("S0-09", "S0-92", "S0-95", "S0-100", "S1-04")
def test_before_any_choice_nothing_optional_loads(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    assert visitor.page.is_visible("#hc-banner")
    assert visitor.vendors() == {}
    assert visitor.cookies() == {}
    # the gated markup is still inert: no script, frame or pixel has a source
    assert (
        visitor.page.eval_on_selector_all("[data-consent]", "es => es.filter(e => e.src).length")
        == 0
    )
    assert visitor.page.is_visible("[data-consent-placeholder=functional]")


@pytest.mark.promise("S0-103")
def test_accept_reject_and_manage_are_equally_prominent(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    looks = visitor.page.eval_on_selector_all(
        "#hc-banner [data-consent-action]",
        """els => els.map(e => {
            const s = getComputedStyle(e), r = e.getBoundingClientRect();
            return [e.tagName, e.className, s.fontSize, s.fontWeight, s.color, s.backgroundColor,
                    s.borderTopWidth, s.borderTopColor, s.padding, Math.round(r.width), Math.round(r.height)];
        })""",
    )
    texts = visitor.page.eval_on_selector_all(
        "#hc-banner [data-consent-action]", "es => es.map(e => e.textContent)"
    )
    assert texts == ["Accept all", "Reject all", "Manage choices"]
    assert len(looks) == 3 and looks[0] == looks[1] == looks[2], looks


@pytest.mark.promise("S0-09", "S0-92", "S0-93", "S0-94", "S0-95", "S0-103")
def test_reject_all_is_one_click_and_loads_nothing(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.forget()
    visitor.choose("#hc-banner [data-consent-action=reject]")
    assert not visitor.page.is_visible("#hc-banner")
    assert visitor.vendors() == {}
    assert set(visitor.cookies()) == {"hms_consent"}  # only the essential consent cookie
    assert not visitor.cookies()["hms_consent"]["httpOnly"]
    [receipt] = visitor.receipts()
    assert (receipt.action, receipt.categories, receipt.gpc) == ("reject_all", [], False)
    visitor.visit("/demo/site/prices")
    assert visitor.vendors() == {} and set(visitor.cookies()) == {"hms_consent"}


@pytest.mark.promise("S0-94", "S0-95", "S0-100", "S1-09", "S1-15")
def test_analytics_only_calls_only_the_analytics_endpoint(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.forget()
    visitor.choose(
        "#hc-banner [data-consent-action=manage]",
        "#hc-c-analytics",
        "#hc-prefs [data-consent-action=save]",
    )
    called = visitor.vendors()
    assert set(called) == {"google_analytics"}
    assert set(visitor.cookies()) == {"hms_consent", "_ga", "_ga_DEMO0001"}
    [hit, *_] = [u for u in called["google_analytics"] if "/g/collect" in u]
    params = _params(hit)
    assert params["gcs"] == ["G101"]  # Consent Mode: analytics granted, ads denied
    assert not {"uid", "user_id", "em"} & set(params)
    [receipt] = visitor.receipts()
    assert (receipt.action, receipt.categories) == ("choose", ["analytics"])


@pytest.mark.promise("S0-97", "S1-09")
def test_outbound_hits_carry_no_query_string_identifier_or_health_page(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.choose("#hc-banner [data-consent-action=accept]")
    visitor.visit("/demo/site/early-pregnancy-scan")
    visitor.forget()
    # from the scan page to an ordinary one, with identifiers in the address
    visitor.page.evaluate(
        "location.href = '/demo/site/prices?email=ada.lovelace%40example.org&ref=early-pregnancy-scan'"
    )
    visitor.page.wait_for_url("**/prices?**")
    visitor.page.wait_for_load_state("networkidle")
    hits = [
        u for urls in visitor.vendors().values() for u in urls if "/collect" in u or "/tr?" in u
    ]
    assert any("/g/collect" in u for u in hits) and any(
        "/tr?" in u and "ev=PageView" in u for u in hits
    )
    for hit in hits:
        text = unquote(hit)
        assert "ada.lovelace" not in text and "example.org" not in text, hit
        assert "early-pregnancy-scan" not in text and "email=" not in text, hit
        for key in ("dl", "dr", "rl"):
            for value in _params(hit).get(key, []):
                assert "?" not in value, hit
    [collect] = [u for u in hits if "/g/collect" in u]
    assert _params(collect)["dl"] == [visitor.site.url + "/demo/site/prices"]
    assert _params(collect)["dr"] == ["(redacted)"]


@pytest.mark.promise("S0-96", "S0-100")
def test_health_sensitive_pages_load_no_tag_whatever_the_consent(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.choose("#hc-banner [data-consent-action=accept]")
    assert set(visitor.vendors()) >= ADVERTISING
    for path in ["/demo/site/early-pregnancy-scan", "/demo/site/gynaecology-scan",
                 "/demo/site/pregnancy-growth-scan?x=1", "/demo/site/book"]:  # fmt: skip
        visitor.forget()
        visitor.visit(path)
        assert visitor.vendors() == {}, path
        assert visitor.page.evaluate("hippocraticConsent.sensitive") is True
    assert {"_ga", "_fbp"} <= set(visitor.cookies())  # consented cookies are kept, not sent
    visitor.forget()
    visitor.visit("/demo/site/health-check-scan")  # reveals nothing about health
    assert "google_analytics" in visitor.vendors()


@pytest.mark.promise("S0-104", "S0-93")
def test_withdrawal_stops_the_tags_and_deletes_their_cookies(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.choose("#hc-banner [data-consent-action=accept]")
    visitor.visit("/demo/site/language?lang=cy")  # a functional, HttpOnly cookie
    assert OPTIONAL - {"_fbc"} <= set(visitor.cookies())
    assert visitor.cookies()["hms_lang"]["httpOnly"]
    visitor.forget()
    visitor.page.click("#hc-settings")
    with visitor.page.expect_navigation():  # a withdrawal reloads the page
        visitor.page.click("#hc-prefs [data-consent-action=reject]")
    visitor.page.wait_for_load_state("networkidle")
    assert set(visitor.cookies()) == {"hms_consent"}
    visitor.visit("/demo/site/prices")
    assert visitor.vendors() == {}
    assert [(r.action, r.categories) for r in visitor.receipts()] == [
        ("accept_all", ["performance", "functional", "analytics", "advertising"]),
        ("withdraw", []),
    ]


@pytest.mark.parametrize("gpc", ["script", "header"])
def test_global_privacy_control_rejects_advertising_until_the_visitor_says_otherwise(
    browser: Any, site: Site, gpc: str
) -> None:
    for visitor in _browsing(browser, site, gpc):
        visitor.visit("/demo/site")
        assert visitor.page.is_visible("#hc-banner .hc-gpc")
        assert visitor.vendors() == {}
        visitor.choose("#hc-banner [data-consent-action=accept]")
        assert set(visitor.vendors()) == {"google_analytics"}
        assert not {"_fbp", "_gcl_au"} & set(visitor.cookies())
        [receipt] = visitor.receipts()
        assert receipt.gpc and "advertising" not in receipt.categories
        # the preferences panel can still turn advertising on
        visitor.forget()
        visitor.page.click("#hc-settings")
        assert not visitor.page.is_checked("#hc-c-advertising")
        visitor.choose("#hc-c-advertising", "#hc-prefs [data-consent-action=save]")
        assert set(visitor.vendors()) >= ADVERTISING
        assert visitor.receipts()[-1].categories == [
            "performance", "functional", "analytics", "advertising"
        ]  # fmt: skip


@pytest.mark.promise("S0-98", "S0-101")
def test_consent_mode_and_the_pixel_are_denied_first_and_match_nobody(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    layer = visitor.page.evaluate("dataLayer.map(a => Array.from(a))")
    assert layer[0] == ["consent", "default", {
        "analytics_storage": "denied", "ad_storage": "denied", "ad_user_data": "denied",
        "ad_personalization": "denied", "functionality_storage": "denied",
        "personalization_storage": "denied", "wait_for_update": 500}]  # fmt: skip
    assert visitor.page.evaluate("fbq.queue.map(a => Array.from(a))")[0] == ["consent", "revoke"]
    visitor.choose("#hc-banner [data-consent-action=accept]")
    updates = [
        a
        for a in visitor.page.evaluate("dataLayer.map(a => Array.from(a))")
        if a[:2] == ["consent", "update"]
    ]
    assert updates[-1][2]["ad_storage"] == "granted"
    visitor.forget()
    # a site that tries advanced matching or custom events gets neither through the banner
    visitor.page.evaluate(
        "fbq('init', '000000000000002', {em: 'ada.lovelace@example.org', ph: '07700900123'});"
        "fbq('trackCustom', 'EarlyPregnancyScanViewed', {scan: 'early pregnancy scan'});"
        "fbq('track', 'Lead', {content_name: 'early pregnancy scan'});"
    )
    visitor.page.wait_for_load_state("networkidle")
    visitor.page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('ev=Lead'))"
    )
    pixels = visitor.vendors()["meta"]
    assert pixels and all("ud%5B" not in u and "ud[" not in u for u in pixels)
    assert not any("EarlyPregnancy" in u or "content_name" in u or "cd%5B" in u for u in pixels)


@pytest.mark.promise("S0-103")
def test_the_banner_asks_again_after_a_change_or_six_months(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    visitor.choose("#hc-banner [data-consent-action=accept]")
    good = visitor.cookies()["hms_consent"]["value"]
    parts = good.split("|")
    assert not visitor.page.is_visible("#hc-banner")
    for stale in (
        [*parts[:5], "2019-01-01", parts[6]],  # another notice version
        [*parts[:4], "000000000000", *parts[5:]],  # other banner text
        [*parts[:6], str(int(parts[6]) - 186 * 86400)],  # chosen more than six months ago
    ):
        visitor.context.add_cookies(
            [{"name": "hms_consent", "value": "|".join(stale), "url": visitor.site.url}]
        )
        visitor.forget()
        visitor.visit("/demo/site")
        assert visitor.page.is_visible("#hc-banner"), stale
        assert visitor.vendors() == {}
        assert set(visitor.cookies()) == {"hms_consent"}  # the old choice's cookies deleted


def test_the_banner_and_its_panel_are_accessible(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    banner = visitor.page.get_by_role(
        "region", name="Cookies on Harmonic Medical Sonography's website"
    )
    assert banner.is_visible()
    accessible(visitor.page)
    visitor.page.click("#hc-banner [data-consent-action=manage]")
    dialog = visitor.page.get_by_role("dialog", name="Your cookie choices")
    assert dialog.is_visible()
    assert visitor.page.get_by_role("checkbox", name="Analytics and tracking cookies").is_visible()
    accessible(visitor.page)


def _focused(visitor: Browsing) -> str:
    return str(
        visitor.page.evaluate(
            "(() => { const e = document.activeElement; return e.id || e.getAttribute('data-consent-action') || e.textContent; })()"
        )
    )


def _tab_to(visitor: Browsing, target: str, key: str = "Tab") -> None:
    for _ in range(30):
        visitor.page.keyboard.press(key)
        if _focused(visitor) == target:
            outline = visitor.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{target} shows no focus"
            return
    raise AssertionError(f"{target} cannot be reached by keyboard")


@pytest.mark.promise("S0-103", "S0-104")
def test_every_choice_can_be_made_by_keyboard_alone(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    _tab_to(visitor, "manage")  # the banner comes first in the tab order
    visitor.page.keyboard.press("Enter")
    assert visitor.page.is_visible("#hc-prefs")
    assert _focused(visitor) == "hc-c-performance"  # focus moved into the panel
    _tab_to(visitor, "hc-c-analytics")
    visitor.page.keyboard.press("Space")
    _tab_to(visitor, "save")
    with visitor.page.expect_response(RECEIPT):
        visitor.page.keyboard.press("Enter")
    assert not visitor.page.is_visible("#hc-prefs") and not visitor.page.is_visible("#hc-banner")
    assert _focused(visitor) == "hc-settings"  # focus is not lost with the banner
    assert visitor.page.evaluate("hippocraticConsent.granted()") == ["analytics"]
    visitor.page.keyboard.press("Space")  # "Cookie settings" reopens the choices
    assert visitor.page.is_visible("#hc-prefs")
    visitor.page.keyboard.press("Escape")
    assert not visitor.page.is_visible("#hc-prefs")
    assert _focused(visitor) == "hc-settings"  # and focus comes back where it was
    visitor.page.keyboard.press("Enter")
    _tab_to(visitor, "reject")
    with visitor.page.expect_navigation():  # withdrawing by keyboard reloads the page
        visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_load_state("networkidle")
    assert set(visitor.cookies()) == {"hms_consent"}
    assert [r.action for r in visitor.receipts()] == ["choose", "withdraw"]


def test_harmonys_site_gates_its_own_analytics(visitor: Browsing) -> None:
    visitor.visit("/demo/site?org=harmony")
    assert visitor.cookies() == {}
    assert visitor.page.is_visible("#hc-banner")
    with visitor.page.expect_response(RECEIPT):
        visitor.page.click("#hc-banner [data-consent-action=accept]")
    visitor.page.wait_for_function("() => document.cookie.includes('hh_analytics=')")
    assert set(visitor.cookies()) == {"hh_consent", "hh_analytics"}
    visitor.page.click("#hc-settings")
    with visitor.page.expect_navigation():
        visitor.page.click("#hc-prefs [data-consent-action=reject]")
    assert set(visitor.cookies()) == {"hh_consent"}


def test_the_demo_shows_what_the_stand_ins_received(visitor: Browsing) -> None:
    visitor.visit("/demo/site")
    assert Path(urlsplit(visitor.page.url).path).name == "site"
    received = visitor.page.request.get(visitor.site.url + "/demo/stand-in/received.json").json()
    assert received["ok"] is True and isinstance(received["data"], list)

"""A site audit: a page of the clinic's website loaded in headless Chromium, every cookie and
request recorded before and after each choice in its cookie banner, and judged against the
cookie register (``site_register``).

The steps, each from a fresh browser: the first visit (nothing chosen); reject all; accept
analytics only (through "Manage choices"); accept all, then each health-sensitive page the
page links to, then withdrawal (reject all from "Cookie settings") and the next page. The
register is the banner's JSON twin (``consent.json`` beside the ``consent.js`` the page
embeds), or the one a policy file gives. Playwright drives Debian's Chromium
(``executable_path``): its own browser download is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from hippocratic.errors import ConfigurationError, InputError
from hippocratic.policy.document import Policy
from hippocratic.services.cookie_banner import DEMO_STAND_INS, banner_config
from hippocratic.services.site_register import (
    Finding,
    Observation,
    SeenCookie,
    SeenRequest,
    SiteRegister,
    judge,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
SETTLE_MS = 15000
"""The longest a page is given to go quiet (network idle) after a load or a choice."""
MAX_SENSITIVE = 10
BANNER = "script[src*='/consent.js']"


@dataclass
class StepReport:
    step: str
    page: str
    cookies: list[SeenCookie]
    vendor_requests: list[str]
    findings: list[Finding]


@dataclass
class AuditReport:
    url: str
    organisation: str | None
    steps: list[StepReport] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for step in self.steps for f in step.findings]

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class _Recorder:
    """Every request the browser context makes, from when it was last cleared."""

    requests: list[SeenRequest] = field(default_factory=list)

    def __call__(self, request: Any) -> None:
        try:
            page = request.frame.url
        except Exception:  # a service worker's request has no frame
            page = ""
        body = request.post_data if request.method == "POST" else None
        self.requests.append(SeenRequest(request.url, request.method, body or "", page))

    def take(self) -> list[SeenRequest]:
        taken, self.requests = self.requests, []
        return taken


def audit_site(
    url: str, *, policy: Policy | None = None, chromium: str = CHROMIUM, gpc: bool = False
) -> AuditReport:
    """Audit the page at ``url``; ``gpc`` sends Global Privacy Control throughout."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"not a web address: {url!r}", field="url", hint="http(s)://…")
    with _browser(chromium) as browser:
        audit = _Audit(browser, url, policy, gpc)
        return audit.run()


@contextmanager
def _browser(chromium: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:  # a dev dependency: the audit is an operator's tool
        raise ConfigurationError(
            "the site audit needs Playwright", hint="pip install playwright"
        ) from exc
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        except Error as exc:
            raise ConfigurationError(
                f"could not start Chromium at {chromium}",
                hint="install Debian's chromium, or pass --chromium PATH",
            ) from exc
        try:
            yield browser
        finally:
            browser.close()


class _Audit:
    def __init__(self, browser: Any, url: str, policy: Policy | None, gpc: bool) -> None:
        self.browser, self.url, self.policy, self.gpc = browser, url, policy, gpc
        self.register: SiteRegister | None = None
        self.report = AuditReport(url, policy.organisation.key if policy else None)

    def run(self) -> AuditReport:
        context, page, recorder = self._open()
        self._goto(page, self.url)
        self.register = self._register(context, page)
        self._record(context, page, recorder, "first visit", frozenset())
        if self.register is None:
            self.report.steps[-1].findings.append(
                Finding("first visit", "banner.missing", "the page embeds no cookie banner", "")
            )
            context.close()
            return self.report
        gated = frozenset(self.register.gated)
        self._choose(context, page, recorder, "accept")
        self._record(context, page, recorder, "accept all", gated)
        for link in self._sensitive_links(page):
            self._goto(page, link)
            self._record(context, page, recorder, "health-sensitive page", gated, sensitive=True)
        self._goto(page, self.url)
        recorder.take()
        self._choose(context, page, recorder, "withdraw")
        self._record(context, page, recorder, "withdraw", frozenset())
        context.close()
        context, page, recorder = self._open()
        self._goto(page, self.url)
        recorder.take()
        self._choose(context, page, recorder, "reject")
        self._record(context, page, recorder, "reject all", frozenset())
        context.close()
        if "analytics" in gated:
            context, page, recorder = self._open()
            self._goto(page, self.url)
            recorder.take()
            self._choose(context, page, recorder, "analytics")
            self._record(context, page, recorder, "accept analytics only", frozenset({"analytics"}))
            context.close()
        return self.report

    def _open(self) -> tuple[BrowserContext, Page, _Recorder]:
        headers = {"Sec-GPC": "1"} if self.gpc else {}
        context = self.browser.new_context(extra_http_headers=headers)
        if self.gpc:
            context.add_init_script(
                "Object.defineProperty(navigator,'globalPrivacyControl',{get:()=>true})"
            )
        recorder = _Recorder()
        context.on("request", recorder)
        return context, context.new_page(), recorder

    def _goto(self, page: Page, url: str) -> None:
        page.goto(url, wait_until="load")
        self._settle(page)

    @staticmethod
    def _settle(page: Page) -> None:
        # A page that never goes quiet is judged on what it did so far.
        with suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=SETTLE_MS)

    def _register(self, context: BrowserContext, page: Page) -> SiteRegister | None:
        script = page.query_selector(BANNER)
        src = script.get_attribute("src") if script else None
        root = (script.get_attribute("data-site-root") if script else None) or ""
        if self.policy is not None:
            stand_ins = DEMO_STAND_INS if src and "demo=1" in src else ()
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(urljoin(page.url, src or "/")))
            config = banner_config(self.policy, origin, stand_ins=stand_ins)
            return SiteRegister(config, root)
        if src is None:
            return None
        twin = urljoin(page.url, src).replace("/consent.js", "/consent.json", 1)
        answer = context.request.get(twin)
        if not answer.ok:
            raise InputError(f"the banner's register could not be read from {twin}", field="url")
        self.report.organisation = answer.json()["data"]["org"]
        return SiteRegister(answer.json()["data"], root)

    def _choose(self, context: BrowserContext, page: Page, recorder: _Recorder, how: str) -> None:
        """Make a choice in the banner as a visitor would, wait for its receipt, then load the
        next page (a withdrawal reloads by itself)."""
        receipt = "**/consent/receipts"
        if how == "withdraw":
            page.click("#hc-settings")
            with page.expect_navigation(timeout=SETTLE_MS):
                page.click("#hc-prefs [data-consent-action=reject]")
        else:
            with page.expect_response(receipt, timeout=SETTLE_MS):
                if how == "accept":
                    page.click("#hc-banner [data-consent-action=accept]")
                elif how == "reject":
                    page.click("#hc-banner [data-consent-action=reject]")
                else:
                    page.click("#hc-banner [data-consent-action=manage]")
                    page.check(f"#hc-c-{how}")
                    page.click("#hc-prefs [data-consent-action=save]")
        self._settle(page)
        page.reload(wait_until="load")
        self._settle(page)

    def _record(
        self,
        context: BrowserContext,
        page: Page,
        recorder: _Recorder,
        step: str,
        allowed: frozenset[str],
        *,
        sensitive: bool = False,
    ) -> None:
        assert self.register is not None or step == "first visit"
        cookies = [
            SeenCookie(c.get("name", ""), c.get("domain", ""), bool(c.get("httpOnly")))
            for c in context.cookies()
        ]
        seen = Observation(step, allowed, cookies, recorder.take(), sensitive)
        register = self.register or SiteRegister(_EMPTY)
        findings = judge(register, seen)
        vendor = [r.url for r in seen.requests if register.vendor_of(r.url) is not None]
        self.report.steps.append(StepReport(step, page.url, cookies, vendor, findings))

    def _sensitive_links(self, page: Page) -> list[str]:
        assert self.register is not None
        here = urlsplit(page.url)
        found: list[str] = []
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = urlsplit(str(href))
            same_site = link.netloc == here.netloc
            if same_site and self.register.is_sensitive(link.path) and str(href) not in found:
                found.append(str(href))
        return found[:MAX_SENSITIVE]


_EMPTY: dict[str, Any] = {
    "categories": [], "cookies": [], "vendors": [], "sensitive": [], "terms": [],
}  # fmt: skip

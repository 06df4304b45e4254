"""The patient portal (and its page for someone acting for a patient) in a real browser, by
keyboard only: Debian's Chromium driven by
Playwright over uvicorn, each page checked by axe-core.

A patient signs in with their email address and date of birth, types the code sent to them,
reads their record, agrees to and withdraws a consent, makes a request and signs out, never
touching a mouse; no page has a serious or critical accessibility violation.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.faces.web.live_server import serving
from tests.faces.web.test_browser import CHROMIUM, accessible

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.services import demo
from hippocratic.services.code_delivery import CodeSpool, CodeTransports
from hippocratic.services.demo_history import seed_history
from hippocratic.services.records import Actor, Records
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_clock import Requester
from hippocratic.services.store import Store, add_organisation, init_store
from hippocratic.storage.record import SubjectFieldRow

PATIENT = {
    "full_name": "Caroline Herschel-Example",
    "date_of_birth": "1980-03-16",
    "email": "caroline.herschel@example.org",
    "phone": "07700 900321",
}
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("HIPPOCRATIC_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium is not installed (make test installs it)",
)


@dataclass(frozen=True)
class Portal:
    url: str
    store: Store
    spool: Path


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    where = tmp_path_factory.mktemp("portal-browser")
    store = init_store(HARMONIC_POLICY, f"sqlite:///{where / 'store.db'}", where / "keys")
    add_organisation(store, HARMONY_POLICY)
    demo.seed_staff(store, "harmonic")
    known = Records(store, Actor("harmonic", "setup", "reception")).register("care", PATIENT)
    today = store.clock.now().astimezone(demo.LONDON).date()
    seed_history(store, "harmonic", [known, *demo.seed(store, "harmonic", 3)], today)
    Records(store, Actor("harmonic", "sonographer", "sonographer")).break_glass(
        known, "Collapsed in the waiting room"
    )
    app = create_app(SHIPPED_POLICIES, where / "archive", store)
    app.state.code_transports = CodeTransports(spool=CodeSpool(where / "codes"))
    with serving(app) as url:
        yield Portal(url, store, where / "codes")
    store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def sent(spool: Path) -> int:
    return len(list(spool.glob("*.txt"))) if spool.exists() else 0


def new_code(spool: Path, before: int) -> str:
    """The code sent since ``before`` messages, as the patient reads it in their inbox (it
    goes after the answer, so it may take a moment)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        files = sorted(spool.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns)
        if len(files) > before:
            _, _, message = files[-1].read_text().partition("\n\n")  # after To: and By:
            found = re.search(r"\b(\d{6})\b", message)
            assert found is not None
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError("no code was sent")


def tab_to(page: Any, description: str, test: str, most: int = 250) -> None:
    """Press Tab until the focused element passes ``test`` (JavaScript, ``el`` bound)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!el && ({test}); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached {description}")


def focus_id(page: Any, element: str) -> None:
    tab_to(page, f"#{element}", f"el.id === {element!r}")


def focus_button(page: Any, name: str) -> None:
    tab_to(page, name, f"el.tagName === 'BUTTON' && el.textContent.trim().startsWith({name!r})")


def press(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


@pytest.mark.promise("S0-110", "S1-32")
def test_a_patient_uses_the_portal_by_keyboard_alone_and_every_page_is_accessible(
    browser: Any, portal: Portal
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    before = sent(portal.spool)
    page.goto(f"{portal.url}/portal")
    assert page.url.endswith("/portal/sign-in")
    accessible(page)

    focus_id(page, "contact")
    page.keyboard.type(PATIENT["email"])
    focus_id(page, "dob-day")
    page.keyboard.type("16")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("1980")
    press(page, "Enter")
    assert page.url.endswith("/portal/sign-in/code")
    accessible(page)

    assert page.evaluate("document.activeElement.id") == "code"  # autofocus
    page.keyboard.type(new_code(portal.spool, before))
    press(page, "Enter")
    assert page.url.endswith("/portal")
    main = page.locator("main").inner_text()
    assert "Signed in as Caroline Herschel-Example" in main
    assert "Emergency access" in main and "Collapsed in the waiting room" in main
    accessible(page)

    focus_button(page, "I agree: Telling you about our services by email")
    press(page, "Enter")
    assert "We have saved your choice" in page.locator("main").inner_text()
    accessible(page)
    focus_button(page, "Withdraw my consent: Telling you about our services by email")
    press(page, " ")
    assert "changed=withdrawn" in page.url
    accessible(page)

    focus_id(page, "right-access")
    page.keyboard.press("Space")
    assert page.is_checked("#right-access")
    focus_id(page, "detail")
    page.keyboard.type("A copy of my scan reports, please.")
    focus_button(page, "Send my request")
    press(page, "Enter")
    requests = page.locator("#requests ~ table").first.inner_text()
    assert "Access" in requests and "days left" in requests
    accessible(page)

    focus_button(page, "Sign out")  # round past the end of the page to its top
    press(page, "Enter")
    assert "/portal/sign-in" in page.url and "You have signed out" in page.content()
    accessible(page)
    context.close()


def test_the_portal_fits_a_phone(browser: Any, portal: Portal) -> None:
    """A wrong code says so plainly, and every page fits a phone's width."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    page = context.new_page()
    before = sent(portal.spool)
    page.goto(f"{portal.url}/portal/sign-in")
    page.fill("#contact", PATIENT["phone"])
    page.fill("#dob-day", "16")
    page.fill("#dob-month", "3")
    page.fill("#dob-year", "1980")
    press(page, "Enter")
    code = new_code(portal.spool, before)
    page.fill("#code", "000000" if code != "000000" else "111111")
    press(page, "Enter")
    assert "not right" in page.locator("[role=alert]").inner_text()
    accessible(page)
    page.fill("#code", code)
    press(page, "Enter")
    assert page.url.endswith("/portal")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    accessible(page)
    context.close()


def sign_in(page: Any, portal: Portal) -> None:
    before = sent(portal.spool)
    page.goto(f"{portal.url}/portal/sign-in")
    page.fill("#contact", PATIENT["email"])
    page.fill("#dob-day", "16")
    page.fill("#dob-month", "3")
    page.fill("#dob-year", "1980")
    press(page, "Enter")
    page.fill("#code", new_code(portal.spool, before))
    press(page, "Enter")
    assert page.url.endswith("/portal")


@pytest.mark.promise("S0-110", "S1-32", "L-01")
def test_a_patient_asks_the_dpo_answers_and_the_patient_downloads_their_audit_trail(
    browser: Any, portal: Portal
) -> None:
    import httpx2 as httpx

    from hippocratic.services import api_token

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, portal)
    page.check("#right-portability")
    page.fill("#detail", "Everything I gave you, to take to my new clinic.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send my request").click()

    def bearer(role: str) -> dict[str, str]:
        issued = api_token.issue(portal.store, "harmonic", role, f"e2e {role}")
        return {"authorization": f"Bearer {issued.secret}"}

    dpo, desk = bearer("dpo"), bearer("reception")
    with httpx.Client(base_url=f"{portal.url}/api/v1", timeout=30) as api:
        queue = api.get("/rights-requests", headers=dpo).json()["data"]
        (asked,) = [q["request"] for q in queue if q["request"]["right"] == "portability"]
        assert asked["channel"] == "portal" and not asked["waiting_for"]  # signed in: verified
        rid = asked["request_id"]
        assert api.post(f"/rights-requests/{rid}/package", headers=dpo).status_code == 200
        assert api.post(f"/rights-requests/{rid}/check", headers=desk).status_code == 200
        released = api.post(f"/rights-requests/{rid}/release", headers=dpo)
        assert released.json()["data"]["status"] == "completed", released.text

    page.goto(f"{portal.url}/portal#requests")
    accessible(page)
    page.get_by_role("link", name="web page").first.click()
    page.wait_for_url(f"**/portal/requests/{rid}/package?format=html")
    assert "The information we hold about you" in page.locator("h1").inner_text()
    accessible(page)
    got = page.request.get(f"{portal.url}/portal/requests/{rid}/package?format=json")
    assert got.status == 200 and got.headers["cache-control"] == "no-store"
    package = got.json()
    assert {row["key"] for row in package["details"]} >= {"full_name", "email"}
    letter = page.request.get(f"{portal.url}/portal/requests/{rid}/letters/completion")
    assert "ico.org.uk" in letter.text()

    page.goto(f"{portal.url}/portal#requests")  # at most three codes in 15 minutes: same session
    page.check("#right-access")
    with page.expect_navigation():
        page.get_by_role("button", name="Send my request").click()
    with httpx.Client(base_url=f"{portal.url}/api/v1", timeout=30) as api:
        queue = api.get("/rights-requests", headers=dpo).json()["data"]
        (asked,) = [q["request"] for q in queue if q["request"]["right"] == "access"]
        rid = asked["request_id"]
        api.post(f"/rights-requests/{rid}/package", headers=dpo)
        api.post(f"/rights-requests/{rid}/check", headers=desk)
        api.post(f"/rights-requests/{rid}/release", headers=dpo)
    package = page.request.get(f"{portal.url}/portal/requests/{rid}/package?format=json").json()
    trail = next(s for s in package["sections"] if s["key"] == "access")["items"]
    reasons = " ".join(item["values"]["reason"] for item in trail)
    assert "Collapsed in the waiting room" in reasons  # the break-glass, with its reason
    assert any(item["values"]["who"] == "you" for item in trail)  # their own portal reads
    context.close()


@pytest.mark.promise("L-07")
def test_someone_acting_for_a_patient_uses_their_page_by_keyboard_and_it_is_accessible(
    browser: Any, portal: Portal
) -> None:
    with portal.store.sessions() as session:
        subject = (
            session.query(SubjectFieldRow.subject_id)
            .filter(
                SubjectFieldRow.organisation_id == "harmonic",
                SubjectFieldRow.blind_index
                == portal.store.vault.blind_index("harmonic", "email", PATIENT["email"]),
            )
            .scalar()
        )
    assert subject is not None
    today = portal.store.clock.now().astimezone(demo.LONDON).date()
    Representatives(portal.store, Actor("harmonic", "setup", "reception")).record(
        subject, Requester.REPRESENTATIVE, "Will Herschel-Example", "will.h@example.org",
        ["access", "record"], "Lasting power of attorney, OPG reference 7000-0000-0001",
        today + timedelta(days=180),
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    before = sent(portal.spool)
    page.goto(f"{portal.url}/portal/for-someone")
    assert page.url.endswith("/portal/for-someone/sign-in")
    accessible(page)
    focus_id(page, "contact")
    page.keyboard.type("will.h@example.org")
    focus_id(page, "dob-day")
    page.keyboard.type("16")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("1980")
    press(page, "Enter")
    assert page.url.endswith("/portal/for-someone/sign-in/code")
    accessible(page)
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.type(new_code(portal.spool, before))
    press(page, "Enter")
    assert page.url.endswith("/portal/for-someone")
    main = page.locator("main").inner_text()
    assert "Signed in as Will Herschel-Example" in main and "Their details" in main
    accessible(page)
    focus_id(page, "right-access")
    page.keyboard.press("Space")
    focus_button(page, "Send the request")
    press(page, "Enter")
    assert "We have your request" in page.locator("main").inner_text()
    accessible(page)
    focus_button(page, "Sign out")
    press(page, "Enter")
    assert "/portal/for-someone/sign-in" in page.url
    context.close()

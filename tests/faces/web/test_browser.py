"""The staff console in a real browser: Debian's Chromium driven by Playwright, over uvicorn
serving a demo store, each page checked by axe-core.

A receptionist signs in with password and authenticator code, finds a patient, books an
appointment and never sees clinical detail; the sonographer the booking names does; another
record's clinical detail is behind break-glass, which asks why, and the DPO sees the reason
in review. Every page on the way has no serious or critical accessibility violation.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.faces.web.live_server import serving
from tests.services.clinic import cleared

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.services import demo, staff
from hippocratic.services import sign_in as sign_in_service
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.demo_history import seed_history
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store, add_organisation, init_store

CHROMIUM = "/usr/bin/chromium"
FRONT_DESK = "a front desk password"
KNOWN = {
    "full_name": "Ada Lovelace-Example",
    "date_of_birth": "1985-12-10",
    "email": "ada.lovelace@example.org",
    "phone": "07700 900123",
    "nhs_number": "9990001231",
}
BOOKED = {
    "full_name": "Mary Somerville-Example",
    "date_of_birth": "1988-06-01",
    "email": "mary.somerville@example.org",
    "phone": "07700 900789",
}
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("HIPPOCRATIC_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium is not installed (make test installs it)",
)


@dataclass(frozen=True)
class Clinic:
    url: str
    store: Store
    users: dict[str, demo.DemoAccount]
    known: str
    """The subject id of a registered patient nobody has a care relationship with."""


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    where = tmp_path_factory.mktemp("browser")
    store = init_store(HARMONIC_POLICY, f"sqlite:///{where / 'store.db'}", where / "keys")
    add_organisation(store, HARMONY_POLICY)
    registered = demo.seed(store, "harmonic", 12)
    users = {a.username: a for a in demo.seed_staff(store, "harmonic")}
    today = store.clock.now().astimezone(demo.LONDON).date()
    demo.seed_appointments(store, "harmonic", today, count=3)
    seed_history(store, "harmonic", registered, today)
    # A second receptionist, so two tests in the same 30 seconds never reuse one code.
    staff.add(
        store, "harmonic", "frontdesk", "Front Desk", "reception", FRONT_DESK, **cleared(store)
    )
    secret = sign_in_service.provision(store, "harmonic", "frontdesk", by="test")
    users["frontdesk"] = demo.DemoAccount("frontdesk", "reception", FRONT_DESK, secret)
    known = Records(store, Actor("harmonic", "setup", "reception")).register("care", KNOWN)
    with serving(create_app(SHIPPED_POLICIES, where / "archive", store)) as url:
        yield Clinic(url, store, users, known)
    store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    opened = context.new_page()
    yield opened
    context.close()


def accessible(page: Any) -> None:
    """axe-core (WCAG 2.x rules) finds nothing serious or critical on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: {bad}"


def password(page: Any, clinic: Clinic, username: str, base: str | None = None) -> None:
    """The first step, through the page, by keyboard where a person would type."""
    account = clinic.users[username]
    page.goto(f"{base or clinic.url}/console/")
    assert "/console/sign-in" in page.url
    accessible(page)
    page.select_option("#organisation", "harmonic")
    page.fill("#username", username)
    page.fill("#password", account.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/console/second-factor" in page.url, page.locator("main").inner_text()
    accessible(page)


def sign_in(page: Any, clinic: Clinic, username: str) -> None:
    """Password, then the authenticator's code."""
    password(page, clinic, username)
    account = clinic.users[username]
    step = int(time.time()) // 30
    page.fill("#code", pyotp.TOTP(account.totp_secret).at(step * 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/console/")
    assert page.get_by_role("heading", level=1).count() == 1


def find(page: Any, clinic: Clinic, name: str, born: str) -> None:
    page.goto(f"{clinic.url}/console/patients")
    page.fill("#s-full_name", name)
    page.fill("#s-date_of_birth", born)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    with page.expect_navigation():
        page.get_by_role("link", name=name).click()


@pytest.mark.promise("S0-79", "S0-06", "S0-80")
def test_reception_signs_in_finds_a_patient_and_books_without_seeing_clinical_detail(
    page: Any, clinic: Clinic
) -> None:
    sign_in(page, clinic, "reception")
    accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Find a patient").click()
    accessible(page)
    find(page, clinic, KNOWN["full_name"], KNOWN["date_of_birth"])
    assert page.url.endswith(f"/console/patients/{clinic.known}")
    accessible(page)
    assert page.get_by_role("heading", level=1).inner_text() == KNOWN["full_name"]

    with page.expect_navigation():
        page.get_by_role("link", name="Book").click()
    accessible(page)
    tomorrow = (clinic.store.clock.now().astimezone(demo.LONDON) + timedelta(days=1)).date()
    page.select_option("#service", index=0)
    page.fill("#day", tomorrow.isoformat())
    page.fill("#time", "10:30")
    page.select_option("#clinician", "sonographer")
    page.fill("#f-full_name", "Grace Hopper-Example")
    page.fill("#f-date_of_birth", "1990-12-09")
    page.fill("#f-email", "grace.hopper@example.org")
    page.fill("#f-phone", "07700 900456")
    if page.locator("#f-medical_history").count():
        page.fill("#f-medical_history", "Twin pregnancy, 12 weeks")
    with page.expect_navigation():
        page.get_by_role("button", name="Book").click()
    error = page.locator("p.error")
    assert error.count() == 1 and "notice" in error.inner_text().lower()
    accessible(page)
    page.get_by_label("I gave the patient this notice").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Book").click()
    assert re.search(r"/console/patients/[^/.]+$", page.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Grace Hopper-Example"
    assert "Twin pregnancy" not in page.content() and "do not see" in page.content()
    accessible(page)


@pytest.mark.promise("S0-80", "S0-28")
def test_the_sonographer_sees_clinical_detail_and_break_glass_is_reviewed_by_the_dpo(
    page: Any, browser: Any, clinic: Clinic
) -> None:
    booked = Appointments(clinic.store, Actor("harmonic", "desk", "reception")).book(
        Booking(
            clinic.store.policy_of("harmonic").services[0].key,
            clinic.store.clock.now() + timedelta(days=2),
            Capture("booking", clinic.store.policy_of("harmonic").notice.version, Channel.PHONE),
            patient={**BOOKED, "medical_history": "Placenta praevia noted"},
            clinician="sonographer",
        )
    )
    sign_in(page, clinic, "sonographer")
    page.goto(f"{clinic.url}/console/patients/{booked.subject_id}")
    assert "Placenta praevia noted" in page.content()
    accessible(page)

    page.goto(f"{clinic.url}/console/patients/{clinic.known}")  # no care relationship
    assert "Not shown to you" in page.content()
    reason = page.get_by_label(re.compile("why you need this record now"))
    page.get_by_role("button", name="Break the glass").click()
    assert page.evaluate("document.querySelector('#glass-reason').validity.valueMissing")
    reason.fill("Collapsed in the scan room; checking for known allergies")
    with page.expect_navigation():
        page.get_by_role("button", name="Break the glass").click()
    assert "Not shown to you" not in page.locator("#clinical ~ *").first.inner_text()
    accessible(page)

    dpo = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    sign_in(dpo, clinic, "dpo")
    with dpo.expect_navigation():
        dpo.get_by_role("link", name="DPO", exact=True).click()
    review = dpo.locator("tr", has_text="Collapsed in the scan room")
    assert review.count() == 1 and "sonographer" in review.inner_text()
    accessible(dpo)
    review.get_by_label("What the review found").fill("Justified: emergency care")
    with dpo.expect_navigation():
        review.get_by_role("button", name="Record").click()
    assert dpo.locator("tr", has_text="Collapsed in the scan room").count() == 0


def _fits(page: Any) -> bool:
    """Nothing on the page is wider than the screen (no sideways scrolling on a tablet)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.promise("S0-86")
def test_billing_records_a_payment_and_reception_works_the_cases_on_a_tablet(
    page: Any, browser: Any, clinic: Clinic
) -> None:
    from sqlalchemy import select

    from hippocratic.storage.clinic import PaymentRow

    with clinic.store.sessions() as session:
        paid = session.scalars(select(PaymentRow.subject_id)).first()
    assert paid is not None
    sign_in(page, clinic, "billing")
    page.goto(f"{clinic.url}/console/patients/{paid}")
    accessible(page)
    page.get_by_text("Record a payment").click()
    page.select_option("#pay-method", "card")
    page.fill("#pay-amount", "42.00")
    page.fill("#pay-token", "tok_browser_terminal")
    page.fill("#pay-last4", "1881")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the payment").click()
    payments = page.locator("#payments + table").inner_text()
    assert "£42.00" in payments and "1881" in payments
    accessible(page)

    tablet = browser.new_context(viewport={"width": 768, "height": 1024}).new_page()
    sign_in(tablet, clinic, "frontdesk")
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Cases").click()
    assert tablet.locator("tbody tr").count() >= 3
    accessible(tablet)
    assert _fits(tablet)
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Referral").click()
    accessible(tablet)
    assert _fits(tablet)
    tablet.goto(f"{clinic.url}/console/patients/{paid}")
    accessible(tablet)
    assert _fits(tablet)


@pytest.mark.promise("S0-79")
def test_a_passkey_is_added_and_then_signs_in_instead_of_a_code(page: Any, clinic: Clinic) -> None:
    """Chromium's virtual authenticator (DevTools WebAuthn domain) stands in for a laptop's
    platform authenticator with user verification; WebAuthn needs a host name, so localhost."""
    local = clinic.url.replace("127.0.0.1", "localhost")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                     "hasUserVerification": True, "isUserVerified": True,
                     "automaticPresenceSimulation": True}},
    )  # fmt: skip
    password(page, clinic, "it_admin", local)
    account = clinic.users["it_admin"]
    page.fill("#code", pyotp.TOTP(account.totp_secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"{local}/console/passkeys")
    accessible(page)
    page.fill("#passkey-label", "Virtual laptop key")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a passkey").click()
    assert page.locator("td", has_text="Virtual laptop key").count() == 1
    accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    password(page, clinic, "it_admin", local)
    button = page.get_by_role("button", name="Sign in with a passkey")
    assert button.is_visible()
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("/console/"), page.locator("main").inner_text()
    page.goto(f"{local}/console/passkeys")
    assert (
        "never" not in page.locator("td", has_text="Virtual laptop key").locator("..").inner_text()
    )

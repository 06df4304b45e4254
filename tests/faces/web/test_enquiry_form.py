"""S0-102: the public enquiry form works with cookies off. The page sets no cookie and the
submission needs none (it is checked by its Origin); what needs cookies is listed in the
privacy notice's cookie section."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.live_server import serving
from tests.faces.web.test_browser import CHROMIUM
from tests.services.clinic import events

from hippocratic.faces.web.app import create_app
from hippocratic.faces.web.transport import Transport
from hippocratic.services.actor import Actor
from hippocratic.services.cases import CaseKind, Cases
from hippocratic.services.store import Store
from hippocratic.services.web_enquiry import WEBSITE_ACTOR

HOST = "clinic.example.org"
FORM = {"content-type": "application/x-www-form-urlencoded", "origin": f"http://{HOST}"}
ENQUIRY = {
    "full_name": "Ada Testperson",
    "email": "ada@example.org",
    "phone": "07700900123",
    "enquiry_text": "Do you scan on Saturdays?",
}


def _client(store: Store) -> TestClient:
    """A browser with cookies off: it never sends one (the page gives it none to keep)."""
    return TestClient(create_app([], store=store, transport=Transport()), base_url=f"http://{HOST}")


def _enquiries(store: Store) -> list[str]:
    reception = Cases(store, Actor("harmonic", "reception-test", "reception"))
    return [item.case.case_id for item in reception.open_cases(CaseKind.ENQUIRY).items]


@pytest.mark.promise("S0-102")
def test_with_cookies_disabled_the_enquiry_form_still_submits(store: Store) -> None:
    client = _client(store)
    page = client.get("/harmonic/enquiry")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    (version,) = re.findall(r'name="notice_version" value="([^"]+)"', page.text)
    assert 'href="/harmonic/forms/enquiry/notice"' in page.text
    assert 'type="checkbox" name="marketing_consent" value="email">' in page.text  # unticked
    body = urlencode({**ENQUIRY, "notice_version": version})
    sent = client.post("/harmonic/enquiry", content=body, headers={**FORM, "cookie": ""})
    assert sent.status_code == 201, sent.text
    assert "your enquiry has been sent" in sent.text
    assert "set-cookie" not in sent.headers
    assert not client.cookies
    (reference,) = re.findall(r"Reference <code>([0-9a-f-]+)</code>", sent.text)
    assert _enquiries(store) == [reference]
    created = [e for e in events(store) if e.actor == WEBSITE_ACTOR]
    assert created, "the submission is on the ledger under the website's name"


def test_the_json_twin_describes_the_form_and_a_json_client_gets_the_envelope(
    store: Store,
) -> None:
    client = _client(store)
    twin = client.get("/harmony/enquiry.json").json()["data"]
    assert twin["form"] == "contact"
    assert [f["key"] for f in twin["fields"]][:2] == ["full_name", "email"]
    body = urlencode(
        {
            "full_name": "Bob Testperson",
            "email": "bob@example.org",
            "health_details": "Can I bring my child?",
            "notice_version": twin["notice_version"],
        }
    )
    sent = client.post(
        "/harmony/enquiry", content=body, headers={**FORM, "accept": "application/json"}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["data"]["case"]


def test_a_form_posted_from_another_site_is_refused(store: Store) -> None:
    client = _client(store)
    body = urlencode({**ENQUIRY, "notice_version": store.policy_of("harmonic").notice.version})
    refused = client.post(
        "/harmonic/enquiry",
        content=body,
        headers={**FORM, "origin": "https://elsewhere.example", "accept": "application/json"},
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.csrf"
    assert _enquiries(store) == []


def test_a_missing_answer_shows_the_form_again_with_what_was_typed(store: Store) -> None:
    client = _client(store)
    version = store.policy_of("harmonic").notice.version
    body = urlencode({**ENQUIRY, "phone": "", "notice_version": version})
    again = client.post("/harmonic/enquiry", content=body, headers=FORM)
    assert again.status_code == 400
    assert "Phone number: this is required" in again.text
    assert 'value="Ada Testperson"' in again.text
    assert "Do you scan on Saturdays?" in again.text
    assert _enquiries(store) == []


def test_an_out_of_date_notice_version_is_refused(store: Store) -> None:
    client = _client(store)
    body = urlencode({**ENQUIRY, "notice_version": "1999-01-01"})
    refused = client.post(
        "/harmonic/enquiry", content=body, headers={**FORM, "accept": "application/json"}
    )
    assert refused.status_code == 400
    assert _enquiries(store) == []


@pytest.mark.promise("S0-102")
def test_the_notice_lists_what_needs_cookies(store: Store) -> None:
    client = _client(store)
    notice = client.get("/harmonic/privacy").text
    assert "What needs cookies" in notice
    section = notice.split("What needs cookies", 1)[1].split("<section", 1)[0]
    assert "send us an enquiry" in section
    for cookie in ("hms_session", "hms_consent", "hms_lang"):
        assert f"<code>{cookie}</code>" in section
    assert "_ga" not in section  # no feature needs analytics


@pytest.mark.promise("S0-102")
@pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("HIPPOCRATIC_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium is not installed (make test installs it)",
)
def test_in_a_browser_blocking_every_cookie_the_enquiry_still_goes(
    store: Store, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    blocked = {"profile": {"default_content_setting_values": {"cookies": 2}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(blocked), encoding="utf-8")
    app = create_app([], store=store, transport=Transport())
    with serving(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/harmonic/enquiry")
            # cookies really are off in this browser: a page cannot set one
            stored = page.evaluate("() => { document.cookie = 'probe=1'; return document.cookie }")
            assert stored == ""
            page.fill("#f-full_name", ENQUIRY["full_name"])
            page.fill("#f-email", ENQUIRY["email"])
            page.fill("#f-phone", ENQUIRY["phone"])
            page.fill("#f-enquiry_text", ENQUIRY["enquiry_text"])
            page.click("button[type=submit]")
            page.wait_for_selector("text=your enquiry has been sent")
            assert browser.cookies() == []
        finally:
            browser.close()
    assert len(_enquiries(store)) == 1


def test_the_demo_site_links_to_the_enquiry_form(store: Store) -> None:
    client = _client(store)
    for path in ("/demo/site?org=harmonic", "/demo/site/book?org=harmonic"):
        assert 'href="/harmonic/enquiry"' in client.get(path).text

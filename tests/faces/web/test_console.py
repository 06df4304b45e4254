"""The staff console: sign-in with a second factor, the cookie's attributes, the worklist, the
patient's record as each role sees it, forms that carry the CSRF token, and JSON twins."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import BOOKING, notice, signed_in, token, use_session
from tests.services.clinic import NEW_PATIENT, cleared, events

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.faces.web.identity import COOKIE
from hippocratic.services import staff, staff_training
from hippocratic.services.store import Store

PASSWORD = "correct horse battery"
PAGE = {"accept": "text/html"}


def booked(client: TestClient, store: Store) -> str:
    response = client.post(
        "/api/v1/appointments",
        json={**BOOKING, "notice": notice(store)},
        headers=token(store, "harmonic", "rita"),
    )
    subject: str = response.json()["data"]["subject_id"]
    return subject


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, store: Store, username: str = "ron") -> None:
    """The whole first sign-in through the pages: password, enrolment by QR code, code."""
    step = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert step.status_code == 303 and step.headers["location"].startswith("/console/enrol")
    enrol = client.get("/console/enrol", headers=PAGE)
    assert "<svg" in enrol.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', enrol.text)
    assert secret
    code = pyotp.TOTP(secret.group(1)).at(store.clock.now())
    done = client.post(
        "/console/second-factor",
        data={"code": code, "csrf": csrf_of(enrol.text), "enrolling": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/"


@pytest.mark.promise("S0-79", "S0-89")
def test_staff_sign_in_with_a_second_factor_and_a_strict_cookie(
    client: TestClient, clinic: Store
) -> None:
    staff.add(clinic, "harmonic", "ron", "Ron Reception", "reception", PASSWORD, **cleared(clinic))
    first = client.get("/console/", headers=PAGE, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/console/sign-in")
    form = client.get("/console/sign-in", headers=PAGE)
    assert "Harmonic Medical Sonography" in form.text and "Harmony Healthcare" in form.text
    wrong = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": "not the password"},
        headers=PAGE,
    )
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert COOKIE not in client.cookies
    step = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = step.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert client.get("/console/", headers=PAGE, follow_redirects=False).status_code == 303
    client.cookies.clear()
    sign_in(client, clinic)
    home = client.get("/console/", headers=PAGE)
    assert home.status_code == 200 and "Ron Reception" in home.text
    assert home.headers["cache-control"] == "no-store"
    security = [(e.action, e.outcome) for e in events(clinic) if e.purpose == "security"]
    assert ("sign_in.password", "denied") in security
    assert ("second_factor.enrolled", "allowed") in security


@pytest.mark.promise("L-13")
def test_the_sign_in_page_says_training_is_missing_and_no_session_begins(
    client: TestClient, clinic: Store
) -> None:
    staff.add(clinic, "harmonic", "ron", "Ron Reception", "reception", PASSWORD)
    refused = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": PASSWORD},
        headers=PAGE,
    )
    assert refused.status_code == 403
    assert "no signed confidentiality agreement is recorded" in refused.text
    assert COOKIE not in client.cookies
    staff_training.record(
        clinic,
        "harmonic",
        "ron",
        confidentiality_signed=clinic.clock.now().date(),
        trained=clinic.clock.now().date(),
    )
    sign_in(client, clinic)
    assert client.get("/console/", headers=PAGE).status_code == 200


def test_the_cookie_is_secure_off_this_machine(clinic: Store, tmp_path: Path) -> None:
    staff.add(clinic, "harmonic", "ron", "Ron Reception", "reception", PASSWORD, **cleared(clinic))
    remote = TestClient(
        create_app(SHIPPED_POLICIES, tmp_path / "n", clinic), base_url="https://clinic.example.org"
    )
    step = remote.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": PASSWORD},
        follow_redirects=False,
    )
    assert "Secure" in step.headers["set-cookie"]


def test_sign_in_never_redirects_off_the_console(client: TestClient, clinic: Store) -> None:
    staff.add(clinic, "harmonic", "ron", "Ron Reception", "reception", PASSWORD, **cleared(clinic))
    step = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": PASSWORD,
              "next": "https://evil.example.com/"},
        follow_redirects=False,
    )  # fmt: skip
    assert step.headers["location"] == "/console/enrol?next=/console/"
    posted = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "ron", "password": PASSWORD},
        headers={"origin": "https://evil.example.com"},
    )
    assert posted.status_code == 403
    for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "null"}):
        refused = client.post(
            "/console/sign-in",
            data={"organisation": "harmonic", "username": "ron", "password": PASSWORD},
            headers=headers,
        )
        assert refused.status_code == 403


def test_signing_out_ends_the_session_on_the_server(client: TestClient, clinic: Store) -> None:
    rita = signed_in(clinic, "harmonic", "rita")
    use_session(client, rita)
    page = client.get("/console/", headers=PAGE)
    out = client.post(
        "/console/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    use_session(client, rita)
    again = client.get("/console/", headers=PAGE, follow_redirects=False)
    assert again.status_code == 303 and "sign-in" in again.headers["location"]
    assert events(clinic)[-1].action == "sign_out"


@pytest.mark.promise("S0-80", "S0-125")
def test_the_record_shows_each_role_what_it_may_see_and_why_not(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)
    use_session(client, signed_in(clinic, "harmonic", "rita"))
    rita = client.get(f"/console/patients/{subject}", headers=PAGE)
    assert rita.status_code == 200 and "Ada Example" in rita.text
    assert "do not see" in rita.text and "Asthma" not in rita.text
    use_session(client, signed_in(clinic, "harmonic", "sam"))
    assert "Asthma, well controlled" in client.get(f"/console/patients/{subject}").text
    sue = signed_in(clinic, "harmonic", "sue")
    use_session(client, sue)
    page = client.get(f"/console/patients/{subject}", headers=PAGE)
    assert "Not shown to you" in page.text and "Break the glass" in page.text
    glass = client.post(
        f"/console/patients/{subject}/break-glass",
        data={"reason": "Collapsed in the waiting room", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert glass.status_code == 303
    assert "Asthma, well controlled" in client.get(f"/console/patients/{subject}").text


def test_every_page_has_a_json_twin(client: TestClient, clinic: Store) -> None:
    subject = booked(client, clinic)
    use_session(client, signed_in(clinic, "harmonic", "rita"))
    twin = client.get(f"/console/patients/{subject}.json").json()
    assert twin["ok"] is True
    assert twin["data"]["patient"]["fields"]["full_name"]["value"] == "Ada Example"
    assert twin["data"]["clinical_entries"]["shown"]["items"][0]["content"]["state"] == "masked"
    day = client.get("/console/worklist.json", params={"day": "2026-11-30"}).json()
    assert [i["appointment"]["subject_id"] for i in day["data"]["shown"]["items"]] == [subject]
    found = client.get("/console/patients.json", params={"full_name": "Ada Example"}).json()
    assert [p["subject_id"] for p in found["data"]["shown"]] == [subject]


@pytest.mark.promise("S0-86")
def test_a_console_form_needs_its_csrf_token_and_refuses_card_numbers(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)
    use_session(client, signed_in(clinic, "harmonic", "rita"))
    page = client.get(f"/console/patients/{subject}", headers=PAGE)
    note = {"direction": "inbound", "channel": "phone", "summary": "Asked to move the scan"}
    path = f"/console/patients/{subject}/communications"
    refused = client.post(path, data=note, headers=PAGE)
    assert refused.status_code == 403 and "CSRF" in refused.text
    card = client.post(
        path, data={**note, "summary": "Card 4111-1111-1111-1111", "csrf": csrf_of(page.text)}
    )
    assert card.status_code == 400 and "4111" not in card.text
    done = client.post(path, data={**note, "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert "Asked to move the scan" in client.get(f"/console/patients/{subject}").text


@pytest.mark.promise("S0-06")
def test_booking_from_the_console_needs_the_notice_given(client: TestClient, clinic: Store) -> None:
    use_session(client, signed_in(clinic, "harmonic", "rita"))
    form = client.get("/console/book", headers=PAGE)
    assert "Early pregnancy scan" in form.text and "(optional)" in form.text
    fields = {
        "csrf": csrf_of(form.text), "service": "early_pregnancy_scan", "day": "2026-11-30",
        "time": "09:00", "clinician": "sam", "channel": "phone",
        **NEW_PATIENT,
    }  # fmt: skip
    refused = client.post("/console/book", data=fields)
    assert refused.status_code == 400 and "privacy notice" in refused.text
    fax = client.post("/console/book", data={**fields, "notice_presented": "yes", "channel": "fax"})
    assert fax.status_code == 400 and "is not one of" in fax.text
    assert 'value="Ada Example"' in refused.text
    done = client.post("/console/book", data={**fields, "notice_presented": "yes"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"].startswith("/console/patients/")
    assert "Ada Example" in client.get(done.headers["location"]).text


def test_the_dpo_queues_are_the_dpos(client: TestClient, clinic: Store) -> None:
    use_session(client, signed_in(clinic, "harmonic", "rita"))
    assert "only the Data Protection Manager" in client.get("/console/oversight").text
    use_session(client, signed_in(clinic, "harmonic", "dee"))
    page = client.get("/console/oversight")
    assert page.status_code == 200 and "Nothing to review" in page.text

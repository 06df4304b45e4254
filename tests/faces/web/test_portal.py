"""The patient portal over the web: signing in with a code and a date of birth, the record with
what is withheld said so, consents agreed and withdrawn in one click that the guard obeys at
once, who accessed the record and why, requests with their due dates, JSON twins, CSRF, and
sessions that never cross between patients and staff."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import app_client, signed_in, use_session
from tests.services.clinic import NEW_PATIENT, actor
from tests.services.soft_authenticator import SoftAuthenticator

from hippocratic.errors import AccessDenied
from hippocratic.faces.web.identity import COOKIE as STAFF_COOKIE
from hippocratic.faces.web.portal.page import COOKIE, PENDING
from hippocratic.services.code_delivery import CodeSpool, CodeTransports
from hippocratic.services.fraud_markers import FraudMarkers
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.records import Records
from hippocratic.services.store import Store

BORN = {"dob_day": "2", "dob_month": "3", "dob_year": "1984"}
JSON = {"accept": "application/json"}
PAGE = {"accept": "text/html"}


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "codes"


@pytest.fixture
def portal(client: TestClient, spool: Path) -> TestClient:
    """The app's client, its sign-in codes written to a spool the test reads."""
    client.app.state.code_transports = CodeTransports(spool=CodeSpool(spool))  # type: ignore[attr-defined]
    return client


@pytest.fixture
def ada(clinic: Store) -> str:
    return Records(clinic, actor("harmonic", "rita")).register("care", dict(NEW_PATIENT))


def codes(spool: Path) -> list[str]:
    found = []
    for path in sorted(spool.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns):
        _, _, message = path.read_text().partition("\n\n")  # after To: and By:
        match = re.search(r"\b(\d{6})\b", message)
        assert match is not None
        found.append(match.group(1))
    return found


def csrf_of(text: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match is not None
    return match.group(1)


def sign_in(portal: TestClient, spool: Path, email: str = NEW_PATIENT["email"]) -> str:
    """Through the pages, as a person would: the home page's text."""
    asked = portal.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": email, **BORN},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and asked.headers["location"] == "/portal/sign-in/code"
    form = portal.get("/portal/sign-in/code")
    assert "6-digit code" in form.text
    done = portal.post(
        "/portal/sign-in/code",
        data={"code": codes(spool)[-1], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal"
    home = portal.get("/portal")
    assert home.status_code == 200
    return home.text


def text_of(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


@pytest.mark.promise("S0-110", "S1-32")
def test_a_patient_signs_in_and_sees_their_own_record_with_what_is_withheld_said_so(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    Payments(clinic, actor("harmonic", "bill")).record(
        ada, PaymentMethod.CARD, 9950, card=CardPayment("tok_test_1", "4242")
    )
    other = Records(clinic, actor("harmonic", "rita")).register(
        "care", {"full_name": "Bo Other", "email": "bo@example.org", "phone": "07700 900111"}
    )
    assert portal.get("/portal", follow_redirects=False).headers["location"] == "/portal/sign-in"
    page = text_of(sign_in(portal, spool))
    assert "Signed in as Ada Example" in page
    assert "Email address ada.example@example.org" in page
    assert "Relevant medical history Asthma, well controlled" in page
    assert "£99.50" in page and "4242 (the rest is withheld:" in page
    assert "Bo Other" not in page and other not in page
    assert all(code not in page for code in codes(spool))

    twin = portal.get("/portal.json").json()["data"]
    card = next(
        line["value"]
        for section in twin["records"]
        for item in section["items"]
        for line in item["lines"]
        if line["label"] == "Card"
    )
    assert card["showing"] == "partly_withheld" and card["text"].endswith("4242")
    assert {c["title"] for c in twin["details"]} >= {"Basic personal data", "Contact details"}


@pytest.mark.promise("S0-121")
def test_a_restricted_patient_still_sees_their_record(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    Records(clinic, actor("harmonic", "rita")).set_restricted(ada, True)
    with pytest.raises(AccessDenied):
        Records(clinic, actor("harmonic", "rita")).read(ada, "care", ["full_name"])
    assert "Full name Ada Example" in text_of(sign_in(portal, spool))


def test_asking_for_a_code_says_the_same_whether_or_not_the_details_match(
    portal: TestClient, ada: str, spool: Path
) -> None:
    answers = [
        portal.post(
            "/portal/sign-in",
            data={"organisation": "harmonic", "contact": contact, **born},
            follow_redirects=False,
        )
        for contact, born in (
            ("nobody@example.org", BORN),
            (NEW_PATIENT["email"], {**BORN, "dob_day": "3"}),
            (NEW_PATIENT["email"], BORN),
        )
    ]
    assert {(a.status_code, a.headers["location"]) for a in answers} == {
        (303, "/portal/sign-in/code")
    }
    assert len(codes(spool)) == 1
    twin = portal.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": "nobody@example.org", **BORN},
        headers=JSON,
    ).json()
    assert twin["data"]["message"].startswith("If the details you gave match our records")
    bad = portal.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": "ada@example.org", "dob_day": "x",
              "dob_month": "3", "dob_year": "1984"},
    )  # fmt: skip
    assert bad.status_code == 400 and "date of birth in numbers" in bad.text
    assert 'aria-invalid="true"' in bad.text


def test_a_wrong_code_is_refused_and_the_cookies_are_the_portals_own(
    portal: TestClient, ada: str, spool: Path
) -> None:
    asked = portal.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": NEW_PATIENT["email"], **BORN},
        follow_redirects=False,
    )
    pending = asked.headers["set-cookie"]
    assert pending.startswith(f"{PENDING}=") and "HttpOnly" in pending
    assert "SameSite=strict" in pending and "Secure" not in pending  # 127.0.0.1
    form = portal.get("/portal/sign-in/code")
    right = codes(spool)[-1]
    wrong = portal.post(
        "/portal/sign-in/code", data={"code": f"{(int(right) + 1) % 10**6:06d}",
                                      "csrf": csrf_of(form.text)}
    )  # fmt: skip
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert right not in wrong.text
    done = portal.post(
        "/portal/sign-in/code",
        data={"code": right, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    session = done.headers.get_list("set-cookie")
    assert any(c.startswith(f"{COOKIE}=") and "HttpOnly" in c and "SameSite=strict" in c
               for c in session)  # fmt: skip


def test_cookies_are_secure_off_this_machine(clinic: Store, ada: str, tmp_path: Path) -> None:
    remote = TestClient(app_client(clinic, tmp_path / "n").app, base_url="https://clinic.example")
    asked = remote.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": NEW_PATIENT["email"], **BORN},
        follow_redirects=False,
    )
    assert "Secure" in asked.headers["set-cookie"]


def consent_form(page: str, purpose: str, channel: str, decision: str) -> dict[str, str]:
    """The hidden fields of one consent button on the page, as the browser would send them."""
    for form in re.findall(r"<form[^>]*/portal/consents.*?</form>", page, re.S):
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)
        }
        if (fields["purpose"], fields["channel"], fields["decision"]) == (
            purpose,
            channel,
            decision,
        ):
            return fields
    raise AssertionError(f"no {decision} button for {purpose} {channel}")


def test_a_consent_is_agreed_and_withdrawn_in_one_click_and_the_guard_obeys(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    marketing = Records(clinic, actor("harmonic", "mo"))
    with pytest.raises(AccessDenied):
        marketing.read(ada, "marketing", ["full_name"])
    page = sign_in(portal, spool)
    agree = consent_form(page, "marketing", "email", "agree")
    assert "I would like to hear from" in agree["wording"]
    done = portal.post("/portal/consents", data=agree, follow_redirects=False)
    assert done.status_code == 303
    assert marketing.read(ada, "marketing", ["full_name"])["full_name"].value == "Ada Example"
    page = portal.get(done.headers["location"]).text
    assert "We have saved your choice" in page
    assert (
        'Withdraw my consent<span class="visually-hidden">: Telling you about our services by email'
        in page
    )
    withdraw = consent_form(page, "marketing", "email", "withdraw")
    assert portal.post("/portal/consents", data=withdraw, follow_redirects=False).status_code == 303
    with pytest.raises(AccessDenied):
        marketing.read(ada, "marketing", ["full_name"])
    changed = portal.post(
        "/portal/consents", data={**agree, "wording": "I agree to anything"}, headers=JSON
    )
    assert changed.status_code == 400 and changed.json()["error"]["code"] == "consent.wording"
    each_time = portal.post(
        "/portal/consents", data={**agree, "purpose": "call_recording", "channel": ""}
    )
    assert each_time.status_code == 400
    twin = portal.post("/portal/consents", data=agree, headers=JSON).json()["data"]
    by_email = next(o for o in twin if (o["purpose"], o["channel"]) == ("marketing", "email"))
    assert by_email["agreed"] is True and by_email["can_withdraw"] is True


@pytest.mark.promise("S0-110")
def test_the_access_history_shows_who_by_role_and_purpose_and_a_break_glass_reason(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    Records(clinic, actor("harmonic", "rita")).read(ada, "care", ["full_name", "phone"])
    sonographer = Records(clinic, actor("harmonic", "sue"))
    sonographer.break_glass(ada, "Collapsed in the waiting room")
    sonographer.read(ada, "care", ["medical_history"])
    page = text_of(sign_in(portal, spool))
    assert "Reception and administration Providing your scan and report looked at your" in page
    assert "Emergency access to your record (break-glass)" in page
    assert "Emergency access. Collapsed in the waiting room" in page
    assert "You, through the portal" in page and "You signed in" in page
    entries = portal.get("/portal.json").json()["data"]["access"]["entries"]
    staff_rows = [e for e in entries if not e["who"].startswith(("You", "Someone"))]
    assert {e["who"] for e in staff_rows} == {"Reception and administration", "Sonographer"}
    assert all(name not in e["who"] + e["what"] + (e["reason"] or "")
               for e in entries for name in ("rita", "sue"))  # fmt: skip
    glass, read = [e for e in staff_rows if e["who"] == "Sonographer"][::-1]
    assert glass["emergency"] and glass["reason"] == "Collapsed in the waiting room"
    assert read["emergency"] and read["what"] == "looked at your Medical history"
    assert read["why"] == "Providing your scan and report"


def test_a_request_made_in_the_portal_is_listed_with_its_due_date(
    portal: TestClient, ada: str, spool: Path
) -> None:
    page = sign_in(portal, spool)
    assert 'value="withdraw_consent"' not in page and 'value="complain"' not in page
    made = portal.post(
        "/portal/requests",
        data={"right": "access", "detail": "Everything since 2020", "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    listed = text_of(portal.get(made.headers["location"]).text)
    assert "We have your request" in listed
    assert re.search(r"Access \d+ \w+ \d{4}, \d\d:\d\d \d+ \w+ \d{4} \d+ days left", listed)
    twin = portal.post(
        "/portal/requests",
        data={"right": "rectification", "csrf": csrf_of(page)},
        headers=JSON,
    )
    assert twin.status_code == 201 and twin.json()["data"]["right"] == "rectification"
    requests = portal.get("/portal.json").json()["data"]["requests"]
    assert [r["right"] for r in requests] == ["rectification", "access"]
    assert all(r["due"] and r["days_left"] > 0 for r in requests)
    refused = portal.post(
        "/portal/requests", data={"right": "withdraw_consent", "csrf": csrf_of(page)}
    )
    assert refused.status_code == 400


def test_every_portal_page_has_a_json_twin(portal: TestClient, ada: str, spool: Path) -> None:
    first = portal.get("/portal/sign-in.json").json()
    assert first["data"]["organisations"]["harmonic"] == "Harmonic Medical Sonography"
    assert portal.get("/portal.json").status_code == 401
    asked = portal.post(
        "/portal/sign-in",
        data={"organisation": "harmonic", "contact": NEW_PATIENT["email"],
              "date_of_birth": NEW_PATIENT["date_of_birth"]},
        headers=JSON,
    )  # fmt: skip
    assert asked.json()["data"]["next"] == "/portal/sign-in/code"
    step = portal.get("/portal/sign-in/code.json").json()["data"]
    done = portal.post(
        "/portal/sign-in/code",
        data={"code": codes(spool)[-1]},
        headers={**JSON, "x-csrf-token": step["csrf"]},
    )
    assert done.json()["data"]["signed_in"] is True
    home = portal.get("/portal", headers=JSON)
    assert home.headers["cache-control"] == "no-store"
    data = home.json()["data"]
    assert data["name"] == "Ada Example" and data["access"]["entries"]
    assert set(data) >= {"details", "records", "consents", "access", "requests", "rights"}


def test_a_change_without_the_pages_csrf_token_is_refused(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    page = sign_in(portal, spool)
    agree = consent_form(page, "marketing", "email", "agree")
    refused = portal.post("/portal/consents", data={**agree, "csrf": "forged"}, headers=PAGE)
    assert refused.status_code == 403
    with pytest.raises(AccessDenied):
        Records(clinic, actor("harmonic", "mo")).read(ada, "marketing", ["full_name"])
    no_token = {k: v for k, v in agree.items() if k != "csrf"}
    assert portal.post("/portal/consents", data=no_token).status_code == 403
    assert portal.post("/portal/requests", data={"right": "access"}).status_code == 403
    assert portal.post("/portal/sign-out", data={"csrf": "forged"}).status_code == 403
    assert portal.get("/portal").status_code == 200  # still signed in
    out = portal.post("/portal/sign-out", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert portal.get("/portal", follow_redirects=False).status_code == 303


def test_a_staff_session_never_reaches_the_portal_nor_a_patients_the_console(
    portal: TestClient, clinic: Store, ada: str, spool: Path
) -> None:
    staff = signed_in(clinic, "harmonic", "dee")
    portal.cookies.set(COOKIE, staff.cookie)
    assert portal.get("/portal", follow_redirects=False).headers["location"] == "/portal/sign-in"
    assert portal.get("/portal.json").status_code == 401
    use_session(portal, staff)  # signed in to the console too: the portal still asks
    assert portal.get("/portal", follow_redirects=False).status_code == 303
    portal.cookies.clear()

    sign_in(portal, spool)
    patient = portal.cookies.get(COOKIE)
    assert patient is not None
    portal.cookies.clear()
    portal.cookies.set(STAFF_COOKIE, patient)
    console = portal.get("/console/", follow_redirects=False)
    assert console.status_code == 303 and "/console/sign-in" in console.headers["location"]
    api = portal.get(f"/api/v1/patients/{ada}", headers=JSON)
    assert api.status_code == 401


def test_a_portal_error_page_is_never_cached_and_leads_back_to_the_portal(
    client: TestClient,
) -> None:
    page = client.get(
        "/portal/requests/00000000-0000-0000-0000-000000000000/package",
        headers={"accept": "text/html"},
    )
    assert page.status_code == 401
    assert page.headers["cache-control"] == "no-store"
    assert 'href="/portal"' in page.text and "Back to the worklist" not in page.text


@pytest.mark.promise("S0-53")
def test_a_patient_sees_a_fraud_marker_and_puts_their_side_but_never_an_exempt_one(
    portal: TestClient, ada: str, spool: Path, clinic: Store
) -> None:
    billing = FraudMarkers(clinic, actor("harmonic", "bill"))
    shown = billing.record(
        ada,
        "Gave a date of birth that does not match the GP's",
        "GP letter of 2 Dec 2026 gives 1948",
    )
    hidden = billing.record(
        ada, "Used a card reported stolen", "Card issuer alert ref CX-9901 on the payment"
    )
    FraudMarkers(clinic, actor("harmonic", "dee")).exempt(
        hidden.marker_id, "Police ask us not to alert the card holder: investigation OP-77"
    )
    page = sign_in(portal, spool)
    text = text_of(page)
    assert "does not match the GP's" in text and "Not yet checked by a second person" in text
    assert "stolen" not in text and "CX-9901" not in text and hidden.marker_id not in page
    said = portal.post(
        f"/portal/fraud-markers/{shown.marker_id}/challenge",
        data={
            "statement": "My GP has my birth year wrong; my passport says 1984.",
            "csrf": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert said.status_code == 303
    after = text_of(portal.get(said.headers["location"]).text)
    assert "my passport says 1984" in after and "a person will look at it again" in after
    refused = portal.post(
        f"/portal/fraud-markers/{hidden.marker_id}/challenge",
        data={"statement": "Not me", "csrf": csrf_of(page)},
        headers=JSON,
    )
    assert refused.status_code == 404
    stored = FraudMarkers(clinic, actor("harmonic", "dee")).get(shown.marker_id)
    assert stored.statement is not None and "passport" in (stored.statement.value or "")


@pytest.mark.promise("L-07")
def test_a_child_under_13_cannot_agree_online_and_on_their_13th_birthday_can(
    portal: TestClient, clinic: Store, spool: Path
) -> None:
    kit = Records(clinic, actor("harmonic", "rita")).register(
        "care",
        {**NEW_PATIENT, "full_name": "Kit Example", "date_of_birth": "2013-11-25",
         "email": "kit.example@example.org"},
    )  # fmt: skip  # 12 on 24 November 2026 (the test clock); 13 tomorrow

    def kit_signs_in() -> str:
        asked = portal.post(
            "/portal/sign-in",
            data={"organisation": "harmonic", "contact": "kit.example@example.org",
                  "dob_day": "25", "dob_month": "11", "dob_year": "2013"},
            follow_redirects=False,
        )  # fmt: skip
        assert asked.status_code == 303
        form = portal.get("/portal/sign-in/code")
        done = portal.post(
            "/portal/sign-in/code", data={"code": codes(spool)[-1], "csrf": csrf_of(form.text)}
        )
        assert done.status_code == 200
        return portal.get("/portal").text

    home = kit_signs_in()
    assert "You are under 13, so a parent or guardian must agree" in text_of(home)
    with pytest.raises(AssertionError, match="no agree button"):
        consent_form(home, "marketing", "email", "agree")
    spec = next(p for p in clinic.policy_of("harmonic").purposes if p.key == "marketing")
    assert spec.consent is not None
    forced = portal.post(
        "/portal/consents",
        data={"purpose": "marketing", "channel": "email", "decision": "agree",
              "wording": spec.consent.wording, "csrf": csrf_of(home),
              "notice_version": clinic.policy_of("harmonic").notice.version},
        headers=JSON,
    )  # fmt: skip
    assert forced.status_code == 403 and "Art. 8(1)" in forced.json()["error"]["message"]
    marketing = Records(clinic, actor("harmonic", "mo"))
    with pytest.raises(AccessDenied):
        marketing.read(kit, "marketing", ["full_name"])

    clinic.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    home = kit_signs_in()  # the session timed out overnight
    assert "You are under 13" not in text_of(home)
    agree = consent_form(home, "marketing", "email", "agree")
    assert portal.post("/portal/consents", data=agree, follow_redirects=False).status_code == 303
    assert marketing.read(kit, "marketing", ["full_name"])["full_name"].value == "Kit Example"


def test_a_patient_adds_a_passkey_and_then_signs_in_with_it_instead_of_a_code(
    portal: TestClient, ada: str, spool: Path, clinic: Store
) -> None:
    page = sign_in(portal, spool)
    assert 'data-passkey="register"' in page and "You have not added a passkey" in page
    csrf = {"x-csrf-token": csrf_of(page), **JSON}
    device = SoftAuthenticator("http://127.0.0.1", "127.0.0.1")  # the test client's origin
    options = portal.post("/portal/passkeys/options", headers=csrf).json()["data"]
    made = portal.post(
        "/portal/passkeys",
        json={"credential": json.loads(device.create(json.dumps(options))), "label": "My phone"},
        headers=csrf,
    )
    assert made.status_code == 201, made.text
    assert "My phone, added" in text_of(portal.get("/portal").text)
    portal.post("/portal/sign-out", data={"csrf": csrf_of(page)})
    assert portal.get("/portal", follow_redirects=False).status_code == 303

    form = portal.get("/portal/sign-in").text
    assert 'data-passkey="sign-in"' in form
    asked = portal.post("/portal/sign-in/passkey/options", json={"organisation": "harmonic"})
    answer = json.loads(device.get(json.dumps(asked.json()["data"])))
    done = portal.post("/portal/sign-in/passkey", json={"credential": answer})
    assert done.status_code == 200 and done.json()["data"]["next"] == "/portal"
    assert "Full name Ada Example" in text_of(portal.get("/portal").text)
    again = portal.post("/portal/sign-in/passkey", json={"credential": answer})
    assert again.status_code == 401  # the ceremony's challenge was spent
    foreign = portal.post(
        "/portal/sign-in/passkey/options",
        json={"organisation": "harmonic"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert foreign.status_code == 403

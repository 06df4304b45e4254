"""Passkeys through the console's routes, as passkey.js drives them: add one once signed in,
then sign in with the password and the passkey instead of a code; the page offers the button
only where the account has a passkey; every call needs the page's CSRF token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import signed_in, use_session
from tests.services.clinic import cleared
from tests.services.soft_authenticator import SoftAuthenticator

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.faces.web.identity import COOKIE
from hippocratic.services import api_token, staff
from hippocratic.services.store import Store

PASSWORD = "correct horse battery"
ORIGIN = "http://localhost"
PAGE = {"accept": "text/html"}


@pytest.fixture
def client(store: Store, tmp_path: Path) -> TestClient:
    staff.add(
        store, "harmonic", "sam", "Sam Sonographer", "sonographer", PASSWORD, **cleared(store)
    )
    app = create_app(SHIPPED_POLICIES, tmp_path / "notices", store)
    return TestClient(app, base_url=ORIGIN)


def csrf_of(page: str) -> str:
    found = re.search(r'data-csrf="([0-9a-f]{64})"', page)
    assert found, "the page carries no CSRF token for the passkey button"
    return found.group(1)


@pytest.mark.promise("S0-79")
def test_staff_add_a_passkey_and_sign_in_with_it(client: TestClient, store: Store) -> None:
    device = SoftAuthenticator(ORIGIN, "localhost")
    use_session(client, signed_in(store, "harmonic", "sam"))
    page = client.get("/console/passkeys", headers=PAGE)
    assert page.status_code == 200 and "You have no passkeys yet" in page.text
    csrf = {"x-csrf-token": csrf_of(page.text)}
    assert client.post("/console/passkeys/options").status_code == 403
    options = client.post("/console/passkeys/options", headers=csrf).json()["data"]
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    added = client.post(
        "/console/passkeys",
        json={"credential": json.loads(device.create(json.dumps(options))), "label": "Laptop"},
        headers=csrf,
    )
    assert added.status_code == 201, added.text
    assert "Laptop" in client.get("/console/passkeys", headers=PAGE).text

    client.cookies.clear()
    step = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "sam", "password": PASSWORD},
        follow_redirects=False,
    )
    assert step.headers["location"].startswith("/console/second-factor")
    code_page = client.get("/console/second-factor", headers=PAGE).text
    assert 'data-passkey="sign-in"' in code_page and "/static/passkey.js" in code_page
    pending = {"x-csrf-token": csrf_of(code_page)}
    options = client.post("/console/second-factor/passkey/options", headers=pending).json()
    answer = json.loads(device.get(json.dumps(options["data"])))
    done = client.post(
        "/console/second-factor/passkey",
        json={"credential": answer, "next": "/console/patients"},
        headers=pending,
    )
    assert done.status_code == 200, done.text
    assert done.json()["data"]["next"] == "/console/patients"
    assert done.cookies.get(COOKIE) and "HttpOnly" in done.headers["set-cookie"]
    assert client.get("/console/", headers=PAGE, follow_redirects=False).status_code == 200
    again = client.post(
        "/console/second-factor/passkey", json={"credential": answer}, headers=pending
    )
    assert again.status_code == 403  # that page's session (and its token) ended at sign-in


def test_no_passkey_no_button(client: TestClient, store: Store) -> None:
    client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "sam", "password": PASSWORD},
    )
    enrol = client.get("/console/enrol", headers=PAGE).text
    assert 'data-passkey="sign-in"' not in enrol


def test_an_api_token_has_no_passkeys(client: TestClient, store: Store) -> None:
    issued = api_token.issue(store, "harmonic", "sonographer", "integration")
    response = client.get(
        "/console/passkeys.json", headers={"authorization": f"Bearer {issued.secret}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"

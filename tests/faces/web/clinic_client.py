"""What the web tests of the clinic share: an app over a store with both organisations'
staff, API tokens per role, and signed-in console sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from tests.services.clinic import NEW_PATIENT, STAFF

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.faces.web.identity import COOKIE
from hippocratic.services import api_token, staff_session
from hippocratic.services.store import Store
from hippocratic.storage.staff import StaffSessionRow

BOOKING = {
    "service": "early_pregnancy_scan",
    "starts_at": "2026-11-30T09:00:00+00:00",
    "clinician": "sam",
    "patient": dict(NEW_PATIENT),
}


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    csrf: str


def app_client(store: Store, archive: Path) -> TestClient:
    return TestClient(create_app(SHIPPED_POLICIES, archive, store), base_url="http://127.0.0.1")


def token(store: Store, organisation: str, username: str) -> dict[str, str]:
    """Bearer headers acting in ``username``'s role (as an integration would)."""
    role = STAFF[organisation][username]
    issued = api_token.issue(store, organisation, role, f"test {role}")
    return {"authorization": f"Bearer {issued.secret}"}


def signed_in(store: Store, organisation: str, username: str) -> SignedIn:
    """A console session past its second factor, as the sign-in pages would leave it."""
    with store.sessions.begin() as session:
        cookie = staff_session.create(session, store, organisation, username)
        session.flush()
        _, secret = cookie.split(".", 1)
        row = session.get(StaffSessionRow, (organisation, staff_session.digest(secret)))
        assert row is not None
        row.second_factor_at = store.clock.now()
    return SignedIn(cookie, staff_session.csrf_for(secret))


def use_session(client: TestClient, who: SignedIn) -> None:
    client.cookies.set(COOKIE, who.cookie)


def notice(store: Store, organisation: str = "harmonic", form: str = "booking") -> dict[str, str]:
    version = store.policy_of(organisation).notice.version
    return {"version": version, "form": form, "channel": "phone"}

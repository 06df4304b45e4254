"""The portal for someone acting for a patient, over the web: a parent signs in with the code
sent to the address recorded with their authority and the child's date of birth, sees only
what the authority covers, makes only the requests it lists (a refusal otherwise, on the
ledger), and is signed out once it ends; their session never stands for the patient's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import signed_in as signed_in_staff
from tests.faces.web.clinic_client import token, use_session
from tests.faces.web.test_portal import JSON, PAGE, codes, csrf_of, portal, spool, text_of
from tests.services.clinic import events
from tests.services.test_representative_portal import PARENT, authorise, child

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.web.portal.page import COOKIE as PATIENT_COOKIE
from hippocratic.faces.web.portal.representative_pages import COOKIE
from hippocratic.services.store import Store
from hippocratic.storage.representative import RepresentativeAuthorityRow
from hippocratic.storage.rights_request import RightsRequestRow

__all__ = ["portal", "spool"]
CHILD = {"dob_day": "1", "dob_month": "6", "dob_year": "2011"}


def sign_in(portal: TestClient, spool: Path) -> str:
    asked = portal.post(
        "/portal/for-someone/sign-in",
        data={"organisation": "harmonic", "contact": PARENT, **CHILD},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    form = portal.get("/portal/for-someone/sign-in/code")
    done = portal.post(
        "/portal/for-someone/sign-in/code",
        data={"code": codes(spool)[-1], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal/for-someone"
    return portal.get("/portal/for-someone", headers=PAGE).text


@pytest.mark.promise("L-07")
def test_a_parent_acts_in_the_portal_only_as_far_as_the_authority_allows(
    portal: TestClient, clinic: Store, spool: Path
) -> None:
    subject = child(clinic)
    authority = authorise(clinic, subject, "access")
    assert portal.get("/portal/for-someone", follow_redirects=False).status_code == 303
    page = sign_in(portal, spool)
    words = text_of(page)
    assert "Signed in as Bo Example, a parent" in words
    assert "Get a copy of their information" in words and "not seeing their record" in words
    assert "Their details" not in words and "kit.example@example.org" not in page
    assert 'for="right-access"' in page and 'id="right-erasure"' not in page
    assert portal.cookies.get(PATIENT_COOKIE) is None and portal.cookies.get(COOKIE)
    assert portal.get("/portal", follow_redirects=False).status_code == 303  # not the patient

    csrf = csrf_of(page)
    made = portal.post("/portal/for-someone/requests", data={"right": "access", "csrf": csrf},
                       follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    refused = portal.post(
        "/portal/for-someone/requests", data={"right": "erasure", "csrf": csrf}, headers=JSON
    )
    assert refused.status_code == 403 and "does not cover" in refused.json()["error"]["message"]
    no_token = portal.post("/portal/for-someone/requests", data={"right": "access"})
    assert no_token.status_code == 403
    with clinic.sessions() as session:
        rows = session.query(RightsRequestRow).all()
    assert [(r.right, r.requester, r.recorded_by) for r in rows] == [
        ("access", "parent", f"representative:{authority}")
    ]
    denied = [e for e in events(clinic) if "not_covered:erasure" in e.rule_ids]
    assert [(e.outcome, e.subject_id) for e in denied] == [("denied", subject)]
    twin = portal.get("/portal/for-someone.json").json()["data"]
    assert twin["covers"] == ["access"] and twin["record"] is None
    assert [r["right"] for r in twin["requests"]] == ["access"]

    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=91))
    assert portal.get("/portal/for-someone", follow_redirects=False).status_code == 303
    gone = portal.post("/portal/for-someone/requests", data={"right": "access", "csrf": csrf})
    assert gone.status_code == 401


def test_the_sign_in_page_is_labelled_for_keyboard_and_screen_reader(
    portal: TestClient, clinic: Store
) -> None:
    page = portal.get("/portal/for-someone/sign-in").text
    for box in ("contact", "dob-day", "dob-month", "dob-year"):
        assert f'for="{box}"' in page and f'id="{box}"' in page
    assert "<legend>The patient's date of birth</legend>" in page
    assert 'aria-describedby="contact-hint"' in page
    wrong = portal.post(
        "/portal/for-someone/sign-in",
        data={"organisation": "harmonic", "contact": "not an address", **CHILD},
    )
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text


@pytest.mark.promise("L-07")
def test_staff_record_list_and_revoke_an_authority_through_the_api(
    client: TestClient, clinic: Store
) -> None:
    subject = child(clinic)
    rita = token(clinic, "harmonic", "rita")
    body = {
        "relationship": "parent", "name": "Bo Example", "email": PARENT,
        "covers": ["access", "record"], "evidence": "Birth certificate seen at reception",
        "valid_until": "2027-06-01",
    }  # fmt: skip
    bad = client.post(f"/api/v1/patients/{subject}/representatives",
                      json={**body, "covers": ["everything"]}, headers=rita)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "covers"
    made = client.post(f"/api/v1/patients/{subject}/representatives", json=body, headers=rita)
    assert made.status_code == 201, made.text
    authority = made.json()["data"]
    staff = authority["recorded_by"]
    assert authority["covers"] == ["access", "record"] and staff.startswith("token:")
    listed = client.get(f"/api/v1/patients/{subject}/representatives", headers=rita).json()
    assert [a["authority_id"] for a in listed["data"]] == [authority["authority_id"]]
    revoked = client.post(
        f"/api/v1/representatives/{authority['authority_id']}/revocation", headers=rita
    )
    assert revoked.status_code == 200 and revoked.json()["data"]["revoked_at"] is not None
    with clinic.sessions() as session:
        row = session.get(RepresentativeAuthorityRow, ("harmonic", authority["authority_id"]))
    assert row is not None and row.revoked_by == staff
    trail = [e.reason for e in events(clinic) if e.subject_id == subject and e.actor == staff]
    assert any("recorded: parent may access, record" in (r or "") for r in trail)
    assert any(f"authority {authority['authority_id']} revoked" == r for r in trail)


def test_reception_records_and_revokes_an_authority_on_the_patients_page(
    client: TestClient, clinic: Store
) -> None:
    subject = child(clinic)
    rita = signed_in_staff(clinic, "harmonic", "rita")
    use_session(client, rita)
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Record who may act for them in the portal" in page and 'for="rep-email"' in page
    made = client.post(
        f"/console/patients/{subject}/representatives",
        data={"relationship": "parent", "name": "Bo Example", "email": PARENT,
              "covers": ["access", "record"], "evidence": "Birth certificate seen",
              "valid_until": "2027-06-01", "csrf": rita.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    with clinic.sessions() as session:
        row = session.query(RepresentativeAuthorityRow).one()
    assert row.recorded_by == "rita" and row.covers == '["access","record"]'
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Bo Example, parent: access, record" in page
    client.post(f"/console/representatives/{row.authority_id}/revocation",
                data={"csrf": rita.csrf}, follow_redirects=False)  # fmt: skip
    assert "revoked" in client.get(f"/console/patients/{subject}", headers=PAGE).text

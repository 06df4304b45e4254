"""The clinic's JSON API: the caller is a signed-in member of staff or an API token, the guard
decides every access and the ledger records it; what a user notices first is the response,
then the stored row, then the audit event."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.faces.web.clinic_client import (
    BOOKING,
    notice,
    signed_in,
    token,
    use_session,
)
from tests.services.clinic import events
from tests.services.test_referrals import PATIENT

from hippocratic.services import api_token, staff
from hippocratic.services.store import Store
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow
from hippocratic.storage.subject import SubjectRow

CARD = "4111 1111 1111 1111"


def book(client: TestClient, store: Store, headers: dict[str, str]) -> dict[str, object]:
    response = client.post(
        "/api/v1/appointments", json={**BOOKING, "notice": notice(store)}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def subjects(store: Store) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(SubjectRow)) or 0


def test_without_credentials_nothing_is_answered(client: TestClient) -> None:
    for path in ("/api/v1/me", "/api/v1/worklist", "/api/v1/patients/x"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "auth.required"
    forged = {"authorization": "Bearer hip_harmonic_aaaaaaaaaaaa_" + "x" * 43}
    assert client.get("/api/v1/me", headers=forged).status_code == 401


def test_a_leavers_token_is_refused_once_their_account_is_disabled(
    client: TestClient, clinic: Store
) -> None:
    issued = api_token.issue(clinic, "harmonic", "reception", "Booking widget", by="dee")
    headers = {"authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    staff.disable(clinic, "harmonic", "dee")
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.required"
    assert "disabled" in refused.json()["error"]["message"]


def test_me_names_the_token_or_the_person(client: TestClient, clinic: Store) -> None:
    me = client.get("/api/v1/me", headers=token(clinic, "harmonic", "rita")).json()["data"]
    assert me["role"] == "reception" and me["actor"].startswith("token:")
    use_session(client, signed_in(clinic, "harmonic", "dee"))
    me = client.get("/api/v1/me").json()["data"]
    assert (me["actor"], me["role"], me["display_name"]) == ("dee", "dpo", "Dee")


@pytest.mark.promise("S0-06")
def test_a_booking_registers_the_patient_with_the_notice_and_is_audited(
    client: TestClient, clinic: Store
) -> None:
    rita = token(clinic, "harmonic", "rita")
    refused = client.post("/api/v1/appointments", json=BOOKING, headers=rita)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "collection.notice"
    assert subjects(clinic) == 0
    booked = book(client, clinic, rita)
    assert booked["status"] == "booked" and booked["clinician"] == "sam"
    with clinic.sessions() as session:
        assert session.get(AppointmentRow, ("harmonic", booked["appointment_id"])) is not None
    created = [e for e in events(clinic) if e.action == "create"]
    assert len(created) == 1 and "notice 2024-11-18 presented on form booking" in created[0].reason


@pytest.mark.promise("S0-80", "S0-125")
def test_each_role_sees_what_the_policy_gives_it(client: TestClient, clinic: Store) -> None:
    booked = book(client, clinic, token(clinic, "harmonic", "rita"))
    subject = booked["subject_id"]
    entries = f"/api/v1/patients/{subject}/clinical-entries"
    use_session(client, signed_in(clinic, "harmonic", "sam"))
    sam = client.get(entries).json()["data"]["items"]
    assert [e["content"]["value"] for e in sam] == ["Asthma, well controlled"]
    rita = client.get(entries, headers=token(clinic, "harmonic", "rita")).json()["data"]
    assert rita["items"][0]["content"]["state"] == "masked"
    assert "do not see" in rita["items"][0]["content"]["why"]
    denied = client.get(f"/api/v1/patients/{subject}", headers=token(clinic, "harmonic", "mo"))
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "guard.denied"
    assert events(clinic)[-1].outcome == "denied"


@pytest.mark.promise("S0-80")
def test_a_clinician_outside_care_needs_break_glass_which_the_dpo_reviews(
    client: TestClient, clinic: Store
) -> None:
    subject = book(client, clinic, token(clinic, "harmonic", "rita"))["subject_id"]
    sue = signed_in(clinic, "harmonic", "sue")
    use_session(client, sue)
    entries = f"/api/v1/patients/{subject}/clinical-entries"
    assert client.get(entries).status_code == 403
    glass = client.post(
        f"/api/v1/patients/{subject}/break-glass",
        json={"reason": "Collapsed in the waiting room", "minutes": 30},
        headers={"x-csrf-token": sue.csrf},
    )
    assert glass.status_code == 200, glass.text
    assert client.get(entries).status_code == 200
    dee = token(clinic, "harmonic", "dee")
    assert client.get("/api/v1/break-glass-reviews", headers=token(clinic, "harmonic", "rita")
                      ).status_code == 403  # fmt: skip
    (use,) = client.get("/api/v1/break-glass-reviews", headers=dee).json()["data"]
    assert use["actor"] == "sue" and use["reason"] == "Collapsed in the waiting room"
    done = client.post(
        f"/api/v1/break-glass-reviews/{use['item_id']}", json={"finding": "Justified"}, headers=dee
    )
    assert done.json()["data"]["resolution"] == "Justified"


def test_another_organisations_patient_does_not_exist(client: TestClient, clinic: Store) -> None:
    subject = book(client, clinic, token(clinic, "harmonic", "rita"))["subject_id"]
    rhea = token(clinic, "harmony", "rhea")
    response = client.get(f"/api/v1/patients/{subject}", headers=rhea)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.promise("S0-86")
def test_a_card_number_is_refused_wherever_it_is_and_written_nowhere(
    client: TestClient, clinic: Store
) -> None:
    rita = token(clinic, "harmonic", "rita")
    subject = book(client, clinic, rita)["subject_id"]
    before = len(events(clinic))
    note = {"direction": "inbound", "channel": "phone", "summary": f"Paid with {CARD} today"}
    refused = client.post(f"/api/v1/patients/{subject}/communications", json=note, headers=rita)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "input.card_number"
    assert CARD not in refused.text
    query = client.get("/api/v1/patients", params={"full_name": CARD.replace(" ", "-")},
                       headers=rita)  # fmt: skip
    assert query.json()["error"]["code"] == "input.card_number"
    assert len(events(clinic)) == before
    digits = CARD.replace(" ", "")
    assert all(digits not in (e.reason or "") for e in events(clinic))


def test_bad_requests_are_4xx_in_the_envelope(client: TestClient, clinic: Store) -> None:
    rita = token(clinic, "harmonic", "rita")
    broken = client.post(
        "/api/v1/appointments",
        content=b'{"service": ',
        headers={**rita, "content-type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "input.invalid"
    extra = client.post("/api/v1/appointments", json={**BOOKING, "admin": True}, headers=rita)
    assert extra.status_code == 400 and extra.json()["error"]["field"] == "admin"
    huge = client.post(
        "/api/v1/appointments",
        content=b"{" + b" " * 300_000 + b"}",
        headers={**rita, "content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "input.too_large"
    naive = client.post("/api/v1/appointments", json={**BOOKING, "starts_at": "2026-11-30T09:00"},
                        headers=rita)  # fmt: skip
    assert naive.status_code == 400 and naive.json()["error"]["field"] == "starts_at"
    assert subjects(clinic) == 0


def test_a_session_change_needs_the_csrf_token(client: TestClient, clinic: Store) -> None:
    rita = signed_in(clinic, "harmonic", "rita")
    use_session(client, rita)
    body = {**BOOKING, "notice": notice(clinic)}
    refused = client.post("/api/v1/appointments", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.csrf"
    assert subjects(clinic) == 0
    wrong = client.post("/api/v1/appointments", json=body, headers={"x-csrf-token": "0" * 64})
    assert wrong.status_code == 403
    done = client.post("/api/v1/appointments", json=body, headers={"x-csrf-token": rita.csrf})
    assert done.status_code == 201
    assert events(clinic)[-1].actor == "rita"


@pytest.mark.promise("S0-37")
def test_an_inbound_call_opens_the_record_after_two_identifiers(
    client: TestClient, clinic: Store
) -> None:
    rita = token(clinic, "harmonic", "rita")
    subject = book(client, clinic, rita)["subject_id"]
    path = f"/api/v1/patients/{subject}/inbound"
    one = client.post(path, json={"channel": "phone", "checked": ["full_name"]}, headers=rita)
    assert one.status_code == 400 and one.json()["error"]["field"] == "checked"
    two = client.post(
        path, json={"channel": "phone", "checked": ["full_name", "date_of_birth"]}, headers=rita
    )
    assert two.status_code == 200
    assert two.json()["data"]["fields"]["full_name"]["value"] == "Ada Example"
    assert events(clinic)[-1].reason == "inbound phone; identity checked: full_name, date_of_birth"


def test_the_worklist_and_search_are_audited_with_the_request_id(
    client: TestClient, clinic: Store
) -> None:
    rita = token(clinic, "harmonic", "rita")
    subject = book(client, clinic, rita)["subject_id"]
    day = client.get(
        "/api/v1/worklist", params={"day": "2026-11-30"}, headers={**rita, "x-request-id": "req-00000001"}
    )  # fmt: skip
    assert day.headers["x-request-id"] == "req-00000001"
    (item,) = day.json()["data"]["items"]
    assert item["appointment"]["subject_id"] == subject
    assert item["patient"]["full_name"]["value"] == "Ada Example"
    assert any(e.request_id == "req-00000001" and e.subject_id == subject for e in events(clinic))
    found = client.get(
        "/api/v1/patients",
        params={"full_name": "Ada Example", "date_of_birth": "1984-03-02"},
        headers=rita,
    ).json()["data"]
    assert [p["subject_id"] for p in found] == [subject]
    assert client.get("/api/v1/patients", headers=rita).status_code == 400


def test_every_audited_call_carries_the_request_id(client: TestClient, clinic: Store) -> None:
    rita = token(clinic, "harmonic", "rita")
    subject = book(client, clinic, rita)["subject_id"]
    search = {**rita, "x-request-id": "req-search-1"}
    client.get("/api/v1/patients", params={"full_name": "Ada Example"}, headers=search)
    sue = signed_in(clinic, "harmonic", "sue")
    use_session(client, sue)
    client.post(
        f"/api/v1/patients/{subject}/break-glass",
        json={"reason": "Collapsed in the waiting room", "minutes": 30},
        headers={"x-csrf-token": sue.csrf, "x-request-id": "req-glass-1"},
    )
    actions: dict[str | None, set[str]] = {}
    for event in events(clinic):
        actions.setdefault(event.request_id, set()).add(event.action)
    assert "search" in actions.get("req-search-1", set())
    assert actions.get("req-glass-1")


def test_referral_to_art14_task_to_the_dpo(client: TestClient, clinic: Store) -> None:
    rita = token(clinic, "harmonic", "rita")
    referral = client.post(
        "/api/v1/referrals",
        json={
            "referrer_kind": "gp",
            "referrer": "Dr Example, Example Surgery",
            "letter": "Please scan the gallbladder.",
            "reason": "Suspected gallstones",
            "notice": notice(clinic, form="referral"),
            "patient": PATIENT,
        },
        headers=rita,
    )
    assert referral.status_code == 201, referral.text
    dee = token(clinic, "harmonic", "dee")
    assert client.get("/api/v1/art14-tasks", headers=rita).status_code == 403
    (task,) = client.get("/api/v1/art14-tasks", headers=dee).json()["data"]["items"]
    assert task["subject_id"] == referral.json()["data"]["subject_id"]
    closed = client.post(
        f"/api/v1/art14-tasks/{task['task_id']}/close",
        json={"outcome": "Letter sent with the privacy notice"},
        headers=dee,
    )
    assert closed.json()["data"]["done_by"].startswith("token:")
    accepted = client.post(
        f"/api/v1/patients/{task['subject_id']}/referrals/{referral.json()['data']['referral_id']}/decision",
        json={"accept": True, "clinician": "sam"},
        headers=rita,
    )
    assert accepted.status_code == 200 and accepted.json()["data"]["status"] == "accepted"


def test_clinical_entries_are_written_by_the_clinician_in_care(
    client: TestClient, clinic: Store
) -> None:
    subject = book(client, clinic, token(clinic, "harmonic", "rita"))["subject_id"]
    sam = signed_in(clinic, "harmonic", "sam")
    use_session(client, sam)
    added = client.post(
        f"/api/v1/patients/{subject}/clinical-entries",
        json={"field": "scan_report", "content": "Liver normal."},
        headers={"x-csrf-token": sam.csrf},
    )
    assert added.status_code == 201, added.text
    with clinic.sessions() as session:
        row = session.get(ClinicalEntryRow, ("harmonic", added.json()["data"]["entry_id"]))
        assert row is not None and b"Liver" not in bytes(row.content)
    assert events(clinic)[-1].action == "author"


def test_the_api_is_described_by_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/patients/{subject}/clinical-entries" in spec["paths"]
    assert "BookingIn" in spec["components"]["schemas"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()

"""The console's forms that move clinic records on: an appointment's status, a payment, a
referral received and decided, an enquiry opened, acknowledged and closed. What the user sees
first, then the stored row, then the audit event."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.faces.web.clinic_client import (
    BOOKING,
    SignedIn,
    notice,
    signed_in,
    token,
    use_session,
)
from tests.services.clinic import events

from hippocratic.services.store import Store
from hippocratic.storage.clinic import AppointmentRow, CaseRow, PaymentRow, ReferralRow

PAGE = {"accept": "text/html"}
CARD = "4111 1111 1111 1111"


def booked(client: TestClient, store: Store) -> dict[str, str]:
    response = client.post(
        "/api/v1/appointments",
        json={**BOOKING, "notice": notice(store)},
        headers=token(store, "harmonic", "rita"),
    )
    data: dict[str, str] = response.json()["data"]
    return data


def as_(client: TestClient, store: Store, username: str) -> SignedIn:
    who = signed_in(store, "harmonic", username)
    use_session(client, who)
    return who


def test_reception_marks_an_appointment_attended(client: TestClient, clinic: Store) -> None:
    booking = booked(client, clinic)
    subject, appointment = booking["subject_id"], booking["appointment_id"]
    rita = as_(client, clinic, "rita")
    page = client.get(f"/console/patients/{subject}", headers=PAGE)
    action = f"/console/patients/{subject}/appointments/{appointment}/status"
    assert f'action="{action}"' in page.text
    done = client.post(
        action,
        data={"status": "attended", "csrf": rita.csrf},
        headers={"x-request-id": "req-attended"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert f'action="{action}"' not in after and "attended" in after
    with clinic.sessions() as session:
        row = session.get(AppointmentRow, ("harmonic", appointment))
        assert row is not None and row.status == "attended"
    assert any(e.request_id == "req-attended" and e.action == "write" for e in events(clinic))


@pytest.mark.promise("S0-86")
def test_billing_takes_a_card_payment_by_its_token_never_its_number(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    bill = as_(client, clinic, "bill")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Record a payment" in page and "Never type the card number" in page
    path = f"/console/patients/{subject}/payments"
    form = {"method": "card", "amount": "99.50", "token": "tok_terminal_1", "last_four": "4242",
            "csrf": bill.csrf}  # fmt: skip
    card = client.post(path, data={**form, "token": CARD})
    assert card.status_code == 400 and "4111" not in card.text
    bad = client.post(path, data={**form, "amount": "ninety pounds"})
    assert bad.status_code == 400 and "write it like 99.50" in bad.text
    with clinic.sessions() as session:
        assert session.scalars(select(PaymentRow)).all() == []
    done = client.post(path, data=form, follow_redirects=False)
    assert done.status_code == 303
    shown = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "£99.50" in shown and "4242" in shown
    with clinic.sessions() as session:
        (row,) = session.scalars(select(PaymentRow)).all()
    assert row.amount_pence == 9950 and b"tok_terminal_1" not in (row.processor_token or b"")
    assert all("4111" not in (e.reason or "") for e in events(clinic))


@pytest.mark.promise("S0-06", "S0-125")
def test_a_referral_is_received_with_its_notice_and_accepted_for_a_clinician(
    client: TestClient, clinic: Store
) -> None:
    rita = as_(client, clinic, "rita")
    form = client.get("/console/referrals/new", headers=PAGE)
    assert form.status_code == 200 and "Art. 14" in form.text
    fields = {
        "csrf": rita.csrf, "referrer_kind": "gp", "referrer": "Dr Example, Example Surgery",
        "reason": "Suspected gallstones", "letter": "Please scan the gallbladder.",
        "full_name": "Bea Example", "date_of_birth": "1970-05-06", "email": "bea@example.org",
        "phone": "020 7946 0000", "medical_history": "None", "channel": "post",
    }  # fmt: skip
    refused = client.post("/console/referrals/new", data=fields)
    assert refused.status_code == 400 and "privacy notice" in refused.text
    assert 'value="Bea Example"' in refused.text
    with clinic.sessions() as session:
        assert session.scalars(select(ReferralRow)).all() == []
    done = client.post(
        "/console/referrals/new", data={**fields, "notice_presented": "yes"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    patient = done.headers["location"].split("#")[0]
    page = client.get(patient, headers=PAGE).text
    assert "Dr Example" in page and "due" in page
    with clinic.sessions() as session:
        (referral,) = session.scalars(select(ReferralRow)).all()
    decision = f"{patient}/referrals/{referral.referral_id}/decision"
    accepted = client.post(
        decision, data={"decision": "accept", "clinician": "sam", "csrf": rita.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert accepted.status_code == 303
    with clinic.sessions() as session:
        row = session.get(ReferralRow, ("harmonic", referral.referral_id))
        assert row is not None and (row.status, row.clinician) == ("accepted", "sam")
    as_(client, clinic, "sam")
    assert "Please scan the gallbladder." in client.get(patient, headers=PAGE).text


def test_an_enquiry_is_opened_acknowledged_and_closed(client: TestClient, clinic: Store) -> None:
    subject = booked(client, clinic)["subject_id"]
    rita = as_(client, clinic, "rita")
    path = f"/console/patients/{subject}/cases"
    form = {"kind": "enquiry", "channel": "email", "text": "Weekend appointments?",
            "csrf": rita.csrf}  # fmt: skip
    done = client.post(path, data={**form, "notice_presented": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    created = [e for e in events(clinic) if e.action == "create" and e.subject_id == subject]
    assert "presented on form enquiry" in (created[-1].reason or "")
    listed = client.get("/console/cases.json").json()["data"]["enquiry"]["shown"]
    assert [item["case"]["subject_id"] for item in listed] == [subject]
    with clinic.sessions() as session:
        (case,) = session.scalars(select(CaseRow)).all()
    base = f"/console/patients/{subject}/cases/{case.case_id}"
    assert client.post(f"{base}/acknowledge", data={"csrf": rita.csrf},
                       follow_redirects=False).status_code == 303  # fmt: skip
    closed = client.post(
        f"{base}/close", data={"outcome": "Told them we open on Saturdays", "csrf": rita.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert closed.status_code == 303
    with clinic.sessions() as session:
        row = session.get(CaseRow, ("harmonic", case.case_id))
        assert row is not None and row.status == "closed" and row.closed_at is not None
    assert client.get("/console/cases.json").json()["data"]["enquiry"]["shown"] == []
    assert "Nothing" not in client.get("/console/cases", headers=PAGE).text


def test_the_record_page_asks_only_for_what_the_role_could_see(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    before = len(events(clinic))
    as_(client, clinic, "rita")
    page = client.get(f"/console/patients/{subject}", headers=PAGE, params={"r": "1"})
    assert "may not use personal data for “Taking payment”" in page.text
    asked = events(clinic)[before:]
    assert asked and all(e.purpose != "payment" for e in asked)
    assert [e for e in asked if e.outcome == "denied"] == []


def test_harmony_keeps_no_referrals_and_its_record_page_says_nothing_of_them(
    client: TestClient, clinic: Store
) -> None:
    booking = {
        "service": "health_check", "starts_at": "2026-11-30T09:00:00+00:00", "clinician": "cal",
        "patient": {"full_name": "Hal Example", "date_of_birth": "1980-01-01",
                    "email": "hal@example.org", "phone": "020 7946 0001"},
        "notice": notice(clinic, "harmony"),
    }  # fmt: skip
    made = client.post("/api/v1/appointments", json=booking,
                       headers=token(clinic, "harmony", "rhea"))  # fmt: skip
    assert made.status_code == 201, made.text
    subject = made.json()["data"]["subject_id"]
    for username in ("rhea", "cal"):
        use_session(client, signed_in(clinic, "harmony", username))
        page = client.get(f"/console/patients/{subject}", headers=PAGE)
        assert page.status_code == 200, (username, page.text[:300])
        assert "Hal Example" in page.text and 'id="referrals"' not in page.text


def test_a_declined_referral_is_nobodys_and_a_hand_made_form_is_a_4xx(
    client: TestClient, clinic: Store
) -> None:
    rita = as_(client, clinic, "rita")
    fields = {
        "csrf": rita.csrf, "referrer_kind": "gp", "referrer": "Dr Example", "reason": "Pain",
        "letter": "Please scan.", "full_name": "Cy Example", "date_of_birth": "1971-02-03",
        "email": "cy@example.org", "phone": "020 7946 0002", "medical_history": "None",
        "notice_presented": "yes", "channel": "post",
    }  # fmt: skip
    for field, bad in (("channel", "fax"), ("referrer_kind", "friend")):
        refused = client.post("/console/referrals/new", data={**fields, field: bad})
        assert refused.status_code == 400 and "is not one of" in refused.text, field
    done = client.post("/console/referrals/new", data=fields, follow_redirects=False)
    patient = done.headers["location"].split("#")[0]
    with clinic.sessions() as session:
        (referral,) = session.scalars(select(ReferralRow)).all()
    client.post(
        f"{patient}/referrals/{referral.referral_id}/decision",
        data={"decision": "decline", "clinician": "sam", "csrf": rita.csrf},
    )
    with clinic.sessions() as session:
        row = session.get(ReferralRow, ("harmonic", referral.referral_id))
        assert row is not None and (row.status, row.clinician) == ("declined", None)


def test_the_cases_page_asks_nothing_a_role_could_never_see(
    client: TestClient, clinic: Store
) -> None:
    as_(client, clinic, "sam")
    before = len(events(clinic))
    page = client.get("/console/cases", headers=PAGE)
    assert page.status_code == 200 and "may not use personal data" in page.text
    assert [e for e in events(clinic)[before:] if e.outcome == "denied"] == []

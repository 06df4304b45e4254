"""Consent in the console: reception records a patient's spoken yes to call recording and a
no to marketing, never a yes to marketing; the page shows where each consent stands and
every event; marketing sees whom to ask again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.test_console_records import PAGE, as_, booked
from tests.services.clinic import events

from hippocratic.services.store import Store
from hippocratic.storage.consent import ConsentEventRow

RECORDING = (
    "This call may be recorded for quality and training. Say no and the call continues unrecorded."
)


@pytest.mark.promise("S0-46", "L-02")
def test_reception_records_a_yes_and_a_no_from_the_patient_page(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    rita = as_(client, clinic, "rita")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert 'id="consents"' in page and "No consents" in page
    assert RECORDING in page  # the words to read out
    assert "Your role cannot record a yes to this" in page  # marketing: only a no
    action = f"/console/patients/{subject}/consents"
    yes = client.post(
        action,
        data={"csrf": rita.csrf, "purpose": "call_recording", "wording": RECORDING,
              "method": "phone", "evidence": "said yes at the start of the call",
              "decision": "yes"},
        follow_redirects=False,
    )  # fmt: skip
    assert yes.status_code == 303, yes.text
    no = client.post(
        action,
        data={"csrf": rita.csrf, "purpose": "marketing", "method": "phone",
              "evidence": "asked us never to send offers", "decision": "no"},
        follow_redirects=False,
    )  # fmt: skip
    assert no.status_code == 303, no.text
    refused = client.post(
        action,
        data={"csrf": rita.csrf, "purpose": "marketing", "method": "phone", "channels": "email",
              "evidence": "x", "decision": "yes", "wording": "anything"},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code in (400, 403)
    after = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "agreed" in after and "said no" in after
    assert "said yes at the start of the call" in after  # the evidence, for those who see it
    with clinic.sessions() as session:
        kinds = sorted(
            (row.purpose, row.channel, row.kind)
            for row in session.query(ConsentEventRow).filter_by(subject_id=subject)
        )
    assert kinds == [
        ("call_recording", "", "granted"),
        ("marketing", "email", "withdrawn"),
        ("marketing", "sms", "withdrawn"),
    ]
    assert any("consent:call_recording/granted" in e.rule_ids for e in events(clinic))


def test_a_form_without_the_csrf_token_records_nothing(client: TestClient, clinic: Store) -> None:
    subject = booked(client, clinic)["subject_id"]
    as_(client, clinic, "rita")
    posted = client.post(
        f"/console/patients/{subject}/consents",
        data={"purpose": "marketing", "method": "phone", "evidence": "x", "decision": "no"},
        follow_redirects=False,
    )
    assert posted.status_code == 403
    with clinic.sessions() as session:
        assert session.query(ConsentEventRow).count() == 0


def test_the_reconfirmation_page(client: TestClient, clinic: Store) -> None:
    as_(client, clinic, "mo")
    page = client.get("/console/consents/reconfirm", headers=PAGE)
    assert page.status_code == 200 and "Nobody to ask" in page.text
    twin = client.get("/console/consents/reconfirm.json")
    assert twin.json() == {"ok": True, "data": []}
    as_(client, clinic, "sam")
    page = client.get("/console/consents/reconfirm", headers=PAGE)
    assert "does not work under anything that rests on consent" in page.text

"""The incidents API: staff report, a processor's report starts the clock when they told us, only
the DPO assesses (403 otherwise, on the ledger), affected patients come from the audit ledger,
the ICO report goes in phases and the letters are drafted; every refusal a precise 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import token
from tests.services.clinic import events
from tests.services.test_incidents import HARM, LAPTOP, MEASURES, NATURE, REASON, misused_account
from tests.services.test_release_incident import WENT_ASTRAY, released

from hippocratic.domain.clock import FixedClock
from hippocratic.services.store import Store


@pytest.mark.promise("L-08", "L-12")
def test_an_incident_through_the_api_from_report_to_close(
    client: TestClient, clinic: Store
) -> None:
    (a, b, _), scope = misused_account(clinic)
    rita, dee = token(clinic, "harmonic", "rita"), token(clinic, "harmonic", "dee")
    thin = client.post("/api/v1/incidents", json={"description": "lost"}, headers=rita)
    assert thin.status_code == 400 and thin.json()["error"]["field"] == "description"
    naive = client.post(
        "/api/v1/incidents", json={"description": LAPTOP, "aware_at": "2026-11-24T09:00"},
        headers=rita,
    )  # fmt: skip
    assert naive.status_code in (400, 422)
    body = {
        "description": LAPTOP,
        "window_start": scope.window_start.isoformat(),  # type: ignore[union-attr]
        "window_end": scope.window_end.isoformat(),  # type: ignore[union-attr]
        "actor": "sam",
    }
    made = client.post("/api/v1/incidents", json=body, headers=rita)
    assert made.status_code == 201, made.text
    incident = made.json()["data"]
    iid = incident["incident_id"]
    assert incident["status"] == "open" and incident["clock"]["minutes_left"] == 72 * 60

    decision = {"breach": "confirmed", "assessment": "no_risk", "reason": "too short"}
    refused = client.post(f"/api/v1/incidents/{iid}/decisions", json=decision, headers=rita)
    assert refused.status_code == 403 and events(clinic)[-1].outcome == "denied"
    short = client.post(f"/api/v1/incidents/{iid}/decisions", json=decision, headers=dee)
    assert short.status_code == 400 and short.json()["error"]["field"] == "reason"
    decision = {"breach": "likely", "assessment": "high_risk", "reason": REASON}
    decided = client.post(f"/api/v1/incidents/{iid}/decisions", json=decision, headers=dee)
    assert decided.json()["data"]["decision"]["notify_subjects"] is True

    found = client.get(f"/api/v1/incidents/{iid}/affected", headers=dee).json()["data"]
    assert sorted(p["subject_id"] for p in found["patients"]) == sorted([a, b])
    assert client.get(f"/api/v1/incidents/{iid}/affected", headers=rita).status_code == 403
    text = {"nature": NATURE, "consequences": HARM, "measures": MEASURES}
    phase = client.post(f"/api/v1/incidents/{iid}/reports", json=text, headers=dee).json()["data"]
    assert phase["phase"] == 1 and phase["subjects_approx"] == 2
    sent = client.post(f"/api/v1/incidents/{iid}/reports/1/sent", json={}, headers=dee)
    assert sent.json()["data"]["sent_at"] is not None
    letters = client.post(f"/api/v1/incidents/{iid}/letters", json=text, headers=dee)
    assert letters.json()["data"]["drafted"] == 2
    letter = client.get(f"/api/v1/incidents/{iid}/letters/{a}", headers=dee)
    assert letter.status_code == 200 and NATURE in letter.text
    closed = client.post(
        f"/api/v1/incidents/{iid}/closure", json={"note": "Letters posted, laptop wiped remotely"},
        headers=dee,
    )  # fmt: skip
    assert closed.json()["data"]["status"] == "closed"
    listed = client.get("/api/v1/incidents?closed=true", headers=dee).json()["data"]
    assert [i["incident_id"] for i in listed] == [iid]
    assert client.get("/api/v1/incidents", headers=rita).status_code == 403
    assert client.get("/api/v1/incidents/not-a-real-one", headers=dee).status_code == 404

    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    told = clock.now()
    clock.advance(timedelta(hours=10))
    processor = client.post(
        "/api/v1/incidents/processor-reports",
        json={"processor": "MailRelay Ltd", "description": LAPTOP, "told_at": told.isoformat()},
        headers=dee,
    )
    assert processor.status_code == 201
    assert processor.json()["data"]["clock"]["minutes_left"] == 62 * 60


def test_access_anomalies_through_the_api(client: TestClient, clinic: Store) -> None:
    dee, sam = token(clinic, "harmonic", "dee"), token(clinic, "harmonic", "sam")
    span = {"start": "2026-11-20", "end": "2026-11-24"}
    assert client.post("/api/v1/access-anomalies/scan", json=span, headers=sam).status_code == 403
    scanned = client.post("/api/v1/access-anomalies/scan", json=span, headers=dee)
    assert scanned.status_code == 200 and scanned.json()["data"] == []
    assert client.get("/api/v1/access-anomalies", headers=dee).json()["data"] == []
    missing = client.post(
        "/api/v1/access-anomalies/nope/dismissal",
        json={"reason": "An explained access on the late clinic"}, headers=dee,
    )  # fmt: skip
    assert missing.status_code == 404


@pytest.mark.promise("S1-26")
def test_a_wrong_release_reported_through_the_api_opens_an_incident_from_the_package(
    client: TestClient, clinic: Store
) -> None:
    subject, request_id = released(clinic)
    rita, dee = token(clinic, "harmonic", "rita"), token(clinic, "harmonic", "dee")
    body = {"request_id": request_id, "fault": "wrong_recipient", "description": WENT_ASTRAY}
    bad = client.post(
        "/api/v1/incidents/release-reports", json={**body, "fault": "x"}, headers=rita
    )
    assert bad.status_code in (400, 422)
    made = client.post("/api/v1/incidents/release-reports", json=body, headers=rita)
    assert made.status_code == 201, made.text
    incident = made.json()["data"]
    assert incident["source"] == "release" and incident["clock"]["minutes_left"] == 72 * 60
    assert incident["release"]["subject_id"] == subject
    assert "medical_history" in incident["release"]["categories"]
    again = client.post("/api/v1/incidents/release-reports", json=body, headers=rita)
    assert again.status_code == 409 and incident["incident_id"] in again.json()["error"]["message"]
    shown = client.get(f"/api/v1/incidents/{incident['incident_id']}/affected", headers=dee)
    assert [p["subject_id"] for p in shown.json()["data"]["patients"]] == [subject]
    assert any(e.reason and "reported (release)" in e.reason for e in events(clinic))

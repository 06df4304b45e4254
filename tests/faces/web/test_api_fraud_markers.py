"""The fraud-marker API: billing records, the DPO reviews and exempts, a second person is
required, every refusal a precise 4xx in the one envelope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import token
from tests.services.test_appointments import book

from hippocratic.services.store import Store


@pytest.mark.promise("S0-53")
def test_a_marker_through_the_api_needs_evidence_and_a_second_person(
    client: TestClient, clinic: Store
) -> None:
    subject: str = book(clinic).subject_id  # type: ignore[attr-defined]
    bill, dee = token(clinic, "harmonic", "bill"), token(clinic, "harmonic", "dee")
    rita = token(clinic, "harmonic", "rita")
    url = f"/api/v1/patients/{subject}/fraud-markers"
    thin = client.post(url, json={"basis": "false name", "evidence": "a hunch"}, headers=bill)
    assert thin.status_code == 400 and thin.json()["error"]["field"] == "evidence"
    given = {"basis": "Gave a false name", "evidence": "Passport seen at the desk names another"}
    assert client.post(url, json=given, headers=rita).status_code == 403
    made = client.post(url, json=given, headers=bill)
    assert made.status_code == 201, made.text
    marker = made.json()["data"]
    assert marker["status"] == "proposed" and marker["basis"]["value"] == "Gave a false name"
    mid = marker["marker_id"]
    own = client.post(
        f"/api/v1/fraud-markers/{mid}/review",
        json={"confirm": True, "note": "I looked again and I am sure"},
        headers=bill,
    )
    assert own.status_code == 403
    confirmed = client.post(
        f"/api/v1/fraud-markers/{mid}/review",
        json={"confirm": True, "note": "Passport copy on file matches the note"},
        headers=dee,
    )
    assert confirmed.json()["data"]["status"] == "confirmed"
    reason = {"reason": "Police case OP-12 open: telling them would alert the suspect"}
    assert (
        client.post(f"/api/v1/fraud-markers/{mid}/exemption", json=reason, headers=bill).status_code
        == 403
    )
    exempt = client.post(f"/api/v1/fraud-markers/{mid}/exemption", json=reason, headers=dee)
    assert exempt.json()["data"]["exempt"] is True
    lifted = client.delete(f"/api/v1/fraud-markers/{mid}/exemption", headers=dee)
    assert lifted.json()["data"]["exempt"] is False
    listed = client.get(url, headers=bill).json()["data"]["items"]
    assert [m["marker_id"] for m in listed] == [mid]
    gone = client.post(
        f"/api/v1/fraud-markers/{mid}/withdrawal",
        json={"reason": "The passport was the patient's maiden name"},
        headers=dee,
    )
    assert gone.json()["data"]["status"] == "withdrawn"
    other = token(clinic, "harmony", "dora")
    assert client.get(f"/api/v1/fraud-markers/{mid}", headers=other).status_code == 404

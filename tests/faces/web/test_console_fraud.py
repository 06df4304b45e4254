"""The console's fraud-marker forms on the patient's page: billing records one, the DPO (a
second person) reviews it and may exempt it from access; reception never sees the section."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import SignedIn, signed_in, use_session
from tests.faces.web.test_console_records import PAGE, booked

from hippocratic.services.store import Store
from hippocratic.storage.fraud_marker import FraudMarkerRow


def as_(client: TestClient, store: Store, username: str) -> SignedIn:
    who = signed_in(store, "harmonic", username)
    use_session(client, who)
    return who


@pytest.mark.promise("S0-53")
def test_billing_records_a_marker_the_dpo_reviews_and_exempts_it(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    bill = as_(client, clinic, "bill")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Record a suspected fraud" in page
    made = client.post(
        f"/console/patients/{subject}/fraud-markers",
        data={
            "basis": "Gave a false address",
            "evidence": "Royal Mail returned our letter: nobody of that name lives there",
            "csrf": bill.csrf,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"].endswith("#fraud")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Royal Mail returned our letter" in page and "Your review" not in page  # not their own
    with clinic.sessions() as session:
        row = session.query(FraudMarkerRow).one()
        marker = row.marker_id
        assert row.status == "proposed" and row.recorded_by == "bill"

    dee = as_(client, clinic, "dee")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Your review" in page and "Exempt from access" in page
    client.post(
        f"/console/fraud-markers/{marker}/review",
        data={"decision": "confirm", "note": "Returned envelope is on file", "csrf": dee.csrf},
    )
    client.post(
        f"/console/fraud-markers/{marker}/exemption",
        data={"reason": "Police investigation OP-5 would be alerted", "csrf": dee.csrf},
    )
    with clinic.sessions() as session:
        row = session.get(FraudMarkerRow, ("harmonic", marker))
        assert row is not None and row.status == "confirmed" and row.reviewed_by == "dee"
        assert row.exempted_by == "dee"
    assert "Lift the exemption" in client.get(f"/console/patients/{subject}", headers=PAGE).text

    as_(client, clinic, "rita")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Royal Mail" not in page and "Record a suspected fraud" not in page

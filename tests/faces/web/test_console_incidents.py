"""The console's breach register: reception reports an incident, sees the DPO's register is not
theirs; the DPO sees it with the time left, records a decision with its reasoning, and sees the
affected patients; the DPO gives an incident an owner from the incident team (S1-25); each
page has its JSON twin."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import SignedIn, signed_in, token, use_session
from tests.faces.web.test_console_records import PAGE
from tests.services.clinic import actor
from tests.services.test_incidents import LAPTOP, REASON
from tests.services.test_release_incident import TOO_MUCH, released

from hippocratic.services.incidents import Incidents
from hippocratic.services.store import Store
from hippocratic.storage.incident import IncidentDecisionRow, IncidentRow


def as_(client: TestClient, store: Store, username: str) -> SignedIn:
    who = signed_in(store, "harmonic", username)
    use_session(client, who)
    return who


def test_reception_reports_and_the_dpo_assesses_with_reasons(
    client: TestClient, clinic: Store
) -> None:
    rita = as_(client, clinic, "rita")
    page = client.get("/console/incidents", headers=PAGE).text
    assert "Report an incident" in page and "Not shown to you" in page
    made = client.post(
        "/console/incidents",
        data={"description": LAPTOP, "aware_at": "2026-11-24T08:30", "csrf": rita.csrf},
        follow_redirects=False,
    )
    assert made.status_code == 303
    with clinic.sessions() as session:
        row = session.query(IncidentRow).one()
        iid = row.incident_id
        assert row.reported_by == "rita" and row.aware_at.hour == 8  # London = UTC in November

    dee = as_(client, clinic, "dee")
    page = client.get("/console/incidents", headers=PAGE).text
    assert "laptop left on a train" in page and "71 h 30 min left" in page
    twin = client.get("/console/incidents.json").json()["data"]
    assert twin["register"]["shown"][0]["incident_id"] == iid
    thin = client.post(
        f"/console/incidents/{iid}/decisions",
        data={"breach": "confirmed", "assessment": "no_risk", "reason": "fine", "csrf": dee.csrf},
        follow_redirects=False,
    )
    assert thin.status_code == 400
    client.post(
        f"/console/incidents/{iid}/decisions",
        data={"breach": "likely", "assessment": "risk", "reason": REASON, "csrf": dee.csrf},
        follow_redirects=False,
    )
    with clinic.sessions() as session:
        decision = session.query(IncidentDecisionRow).one()
        assert decision.reason == REASON and decision.notify_ico and decision.notify_subjects
    page = client.get(f"/console/incidents/{iid}", headers=PAGE).text
    assert REASON in page and "ICO yes, patients yes" in page
    detail = client.get(f"/console/incidents/{iid}.json").json()["data"]
    assert detail["incident"]["decision"]["assessment"] == "risk"


def test_staff_report_a_wrong_release_from_its_request_and_the_dpo_sees_it(
    client: TestClient, clinic: Store
) -> None:
    subject, request_id = released(clinic)
    rita = as_(client, clinic, "rita")
    page = client.get(f"/console/rights/{request_id}", headers=PAGE).text
    assert "Did this release go wrong?" in page and 'for="ri-what"' in page
    made = client.post(
        f"/console/rights/{request_id}/release-incident",
        data={"fault": "too_much", "description": TOO_MUCH, "csrf": rita.csrf},
        follow_redirects=False,
    )
    assert made.status_code == 303
    with clinic.sessions() as session:
        row = session.query(IncidentRow).one()
    assert made.headers["location"] == f"/console/incidents/{row.incident_id}"
    assert row.source == "release" and row.reported_by == "rita"
    as_(client, clinic, "dee")
    page = client.get("/console/incidents", headers=PAGE).text
    assert "a release that went wrong" in page and "72 h 00 min left" in page
    page = client.get(f"/console/incidents/{row.incident_id}", headers=PAGE).text
    assert "held too much" in page and subject[:8] in page and "medical_history" in page


@pytest.mark.promise("S1-25")
def test_the_dpo_gives_an_incident_an_owner_from_the_team_on_the_page_and_the_api(
    client: TestClient, clinic: Store
) -> None:
    made = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP)
    iid = made.incident_id
    dee = as_(client, clinic, "dee")
    page = client.get(f"/console/incidents/{iid}", headers=PAGE).text
    assert "nobody yet: it is assessed only once someone on the incident team owns it" in page
    assert '<option value="dee">Dee (Data Protection Manager)</option>' in page
    assert 'value="rita"' not in page  # reception is not on the team
    outside = client.post(
        f"/console/incidents/{iid}/owner", data={"owner": "rita", "csrf": dee.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert outside.status_code == 400
    api = client.post(
        f"/api/v1/incidents/{iid}/owner", json={"owner": "rita"},
        headers=token(clinic, "harmonic", "dee"),
    )  # fmt: skip
    assert api.status_code == 400 and api.json()["error"]["field"] == "owner"
    owned = client.post(
        f"/console/incidents/{iid}/owner", data={"owner": "dee", "csrf": dee.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert owned.status_code == 303
    page = client.get(f"/console/incidents/{iid}", headers=PAGE).text
    assert "<dt>Owner</dt><dd>dee</dd>" in page and 'name="owner"' not in page
    assert client.get(f"/console/incidents/{iid}.json").json()["data"]["incident"]["owner"] == "dee"
    with clinic.sessions() as session:
        assert session.get(IncidentRow, ("harmonic", iid)).owner == "dee"  # type: ignore[union-attr]

"""The DPO's dashboard, evidence pack and record of processing in the console: the page with its charts (inline SVG
with text alternatives, no script from elsewhere) and its JSON twin show the store's clocks;
another role gets 403 and the refusal is on the ledger; the nav links the DPO to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import SignedIn, signed_in, use_session
from tests.faces.web.test_console_records import PAGE
from tests.services.clinic import actor, events
from tests.services.test_appointments import book
from tests.services.test_dpo_dashboard import rectification
from tests.services.test_evidence_pack import chain_length
from tests.services.test_incidents import LAPTOP
from tests.services.test_processing_record import sent_report

from hippocratic.services.incidents import Incidents
from hippocratic.services.patients import Patients
from hippocratic.services.processing_record import WHAT
from hippocratic.services.store import Store


def as_(client: TestClient, store: Store, username: str) -> SignedIn:
    who = signed_in(store, "harmonic", username)
    use_session(client, who)
    return who


def test_the_dpo_sees_the_clocks_on_the_page_and_its_twin(
    client: TestClient, clinic: Store
) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    late = rectification(clinic, subject, clinic.clock.now() - timedelta(days=40))
    made = Incidents(clinic, actor("harmonic", "rita")).report(
        LAPTOP, clinic.clock.now() - timedelta(minutes=30)
    )
    Patients(clinic, actor("harmonic", "sam")).view(subject)
    as_(client, clinic, "dee")

    page = client.get("/console/dpo", headers=PAGE)
    assert page.status_code == 200
    text = page.text
    assert '<a href="/console/dpo">DPO dashboard</a>' in text
    assert f'href="/console/rights/{late.request_id}"' in text
    assert f"overdue by {-late.days_left} days" in text and late.days_left < 0
    assert "71 h 30 min left" in text and f'href="/console/incidents/{made.incident_id}"' in text
    assert '<svg class="chart" id="chart-rights" role="img"' in text
    assert '<desc id="chart-rights-d">overdue: 1; 0-7 days: 0;' in text
    assert '<svg class="chart" id="chart-reads"' in text and "<figcaption>" in text
    assert "IT hosting and email providers" in text and "nothing may go to it" in text
    assert '<script src="http' not in text and "cdn" not in text.lower()

    twin = client.get("/console/dpo.json").json()
    assert twin["ok"] is True
    data = twin["data"]
    assert [r["request_id"] for r in data["rights"]["items"]] == [late.request_id]
    assert data["rights"]["items"][0]["overdue"] is True
    assert data["incidents"]["items"][0]["minutes_left"] == 71 * 60 + 30
    today = data["reads"]["items"][-1]
    assert today["day"] == "2026-11-24" and today["reads"] >= 1 and today["patients"] == 1
    assert "retention" not in data


def test_another_role_is_refused_and_the_look_is_recorded(
    client: TestClient, clinic: Store
) -> None:
    as_(client, clinic, "rita")
    page = client.get("/console/dpo", headers=PAGE)
    assert page.status_code == 403 and "Data Protection Manager" in page.text
    assert 'href="/console/dpo"' not in page.text
    twin = client.get("/console/dpo.json")
    assert twin.status_code == 403 and twin.json()["ok"] is False
    assert client.get("/console/dpo/evidence.json").status_code == 403
    refused = [e for e in events(clinic) if e.purpose == "oversight" and e.actor == "rita"]
    assert [(e.outcome, e.reason) for e in refused] == [
        ("denied", "the DPO's dashboard"),
        ("denied", "the DPO's dashboard"),
        ("denied", "the evidence pack"),
    ]


def test_the_evidence_pack_page_and_twin_say_the_chain_verified(
    client: TestClient, clinic: Store
) -> None:
    as_(client, clinic, "dee")
    twin = client.get("/console/dpo/evidence.json").json()["data"]
    count = chain_length(clinic)  # every event, the twin's own look the last
    assert twin["audit"]["verified"] is True and twin["audit"]["verified_to"] == count
    page = client.get("/console/dpo/evidence", headers=PAGE).text
    assert f"<strong>verified</strong> to event {count + 1}" in page
    assert "DPIA-HMS-01" in page and 'id="processor-it_hosting"' in page


@pytest.mark.promise("S0-03")
def test_the_record_of_processing_beside_the_disclosure_log_page_and_twin(
    client: TestClient, clinic: Store
) -> None:
    sent_report(clinic)
    as_(client, clinic, "dee")
    dashboard = client.get("/console/dpo", headers=PAGE).text
    assert '<a href="/console/dpo/processing">Record of processing and disclosures</a>' in dashboard

    page = client.get("/console/dpo/processing", headers=PAGE)
    assert page.status_code == 200
    text = page.text
    assert "<strong>Controller</strong>: Harmonic Medical Sonography Limited" in text
    row = text.split('id="flow-referrers-care"')[1].split("</tr>")[0]
    assert "1 disclosure about 1 patient" in row and "Scan images and reports (1)" in row
    assert "Date of birth" in row and "<td>none</td>" in row  # nothing outside the policy
    assert "Everything the disclosure log shows went out within what the policy states" in text
    assert 'id="flow-it_hosting-care"' in text and "nothing may go to it" in text

    twin = client.get("/console/dpo/processing.json").json()
    assert twin["ok"] is True
    flows = {(f["recipient"], f["purpose"]): f for f in twin["data"]["flows"]}
    made = flows[("referrers", "care")]
    assert (made["disclosures"], made["patients"], made["findings"]) == (1, 1, [])
    assert {s["category"] for s in made["sent"]} == {"identity", "scan_record"}
    assert len(twin["data"]["activities"]) == len(clinic.policy_of("harmonic").purposes)
    looks = [e for e in events(clinic) if e.reason == WHAT]
    assert [(e.actor, e.outcome) for e in looks] == [("dee", "allowed"), ("dee", "allowed")]


def test_another_role_is_refused_the_record_of_processing(
    client: TestClient, clinic: Store
) -> None:
    as_(client, clinic, "rita")
    assert client.get("/console/dpo/processing", headers=PAGE).status_code == 403
    twin = client.get("/console/dpo/processing.json")
    assert twin.status_code == 403 and twin.json()["ok"] is False
    refused = [e for e in events(clinic) if e.reason == WHAT]
    assert [(e.actor, e.outcome) for e in refused] == [("rita", "denied"), ("rita", "denied")]

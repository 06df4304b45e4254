"""The DPO's dashboard and evidence pack in the console: the page with its charts (inline SVG
with text alternatives, no script from elsewhere) and its JSON twin show the store's clocks;
another role gets 403 and the refusal is on the ledger; the nav links the DPO to it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import SignedIn, signed_in, use_session
from tests.faces.web.test_console_records import PAGE
from tests.services.clinic import actor, events
from tests.services.test_appointments import book
from tests.services.test_dpo_dashboard import rectification
from tests.services.test_evidence_pack import chain_length
from tests.services.test_incidents import LAPTOP

from hippocratic.services.incidents import Incidents
from hippocratic.services.patients import Patients
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

"""The disclosure API: the DPO discloses to the authorities with a legal reason, a refusal is a
403 naming the rules with nothing stored, the patient's log and breach scoping read it back,
and the Art. 19 queue is the DPO's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.faces.web.clinic_client import token
from tests.services.clinic import actor
from tests.services.test_disclosures import LEGAL_REASON, referred

from hippocratic.policy.settings import RightName
from hippocratic.services.rectification import Rectification
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.disclosure import DisclosureRow

LEGAL = {
    "recipient": "authorities",
    "purpose": "legal_disclosure",
    "fields": ["full_name", "date_of_birth"],
    "channel": "post",
}


@pytest.mark.promise("S0-63", "S0-54")
def test_a_legal_disclosure_needs_its_reason_and_is_logged(
    client: TestClient, clinic: Store
) -> None:
    subject, _ = referred(clinic)
    dee, rita = token(clinic, "harmonic", "dee"), token(clinic, "harmonic", "rita")
    url = f"/api/v1/patients/{subject}/disclosures"
    bare = client.post(url, json=LEGAL, headers=dee)
    assert bare.status_code == 403
    assert bare.json()["error"]["details"]["rules"] == ["disclosure:authorities/legal_reason"]
    assert "legal reason" in bare.json()["error"]["message"]
    with clinic.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DisclosureRow)) == 0
    given = {**LEGAL, "justification": LEGAL_REASON}
    assert client.post(url, json=given, headers=rita).status_code == 403  # not the DPO
    made = client.post(url, json=given, headers=dee)
    assert made.status_code == 201, made.text
    sent = made.json()["data"]
    assert sent["recipient"] == "authorities" and sent["justification"]["value"] == LEGAL_REASON
    listed = client.get(url, headers=dee).json()["data"]["items"]
    assert [d["disclosure_id"] for d in listed] == [sent["disclosure_id"]]
    at = sent["at"]
    window = client.get(
        "/api/v1/disclosures",
        params={"start": at, "end": "2099-01-01T00:00:00+00:00", "recipient": "authorities"},
        headers=dee,
    )
    assert [d["subject_id"] for d in window.json()["data"]] == [subject]
    naive = client.get(
        "/api/v1/disclosures", params={"start": "2026-01-01T00:00", "end": at}, headers=dee
    )
    assert naive.status_code in (400, 422)
    assert (
        client.get("/api/v1/disclosures", params={"start": at, "end": at}, headers=rita).status_code
        == 403
    )


def test_an_unknown_field_or_a_bad_body_is_a_clear_4xx(client: TestClient, clinic: Store) -> None:
    subject, _ = referred(clinic)
    dee = token(clinic, "harmonic", "dee")
    url = f"/api/v1/patients/{subject}/disclosures"
    odd = {**LEGAL, "fields": ["shoe_size"], "justification": LEGAL_REASON}
    refused = client.post(url, json=odd, headers=dee)
    assert refused.status_code == 403 and "field:unknown:shoe_size" in str(refused.json())
    assert client.post(url, json={**LEGAL, "fields": []}, headers=dee).status_code in (400, 422)
    nul = {**LEGAL, "justification": LEGAL_REASON + "\u0000"}
    assert client.post(url, json=nul, headers=dee).status_code == 400


@pytest.mark.promise("L-03")
def test_the_art19_queue_is_the_dpos_and_a_notice_is_marked_sent(
    client: TestClient, clinic: Store
) -> None:
    subject, _ = referred(clinic)
    dee, rita = token(clinic, "harmonic", "dee"), token(clinic, "harmonic", "rita")
    given = {**LEGAL, "justification": LEGAL_REASON}
    client.post(f"/api/v1/patients/{subject}/disclosures", json=given, headers=dee)
    rights = Rectification(clinic, actor("harmonic", "rita"))
    request = rights.submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "Wrong DOB")
    )
    rights.correct(request.request_id, "date_of_birth", "1990-06-16")
    assert client.get("/api/v1/art19-notices", headers=rita).status_code == 403
    [notice] = client.get("/api/v1/art19-notices", headers=dee).json()["data"]
    assert (notice["recipient"], notice["change"], notice["fields"]) == (
        "authorities",
        "rectification",
        ["date_of_birth"],
    )
    done = client.post(f"/api/v1/art19-notices/{notice['notice_id']}/sent", headers=dee)
    assert done.status_code == 200 and done.json()["data"]["sent_at"]
    again = client.post(f"/api/v1/art19-notices/{notice['notice_id']}/sent", headers=dee)
    assert again.status_code == 409
    assert client.get("/api/v1/art19-notices", headers=dee).json()["data"] == []
    every = client.get("/api/v1/art19-notices", params={"pending": "false"}, headers=dee)
    assert len(every.json()["data"]) == 1

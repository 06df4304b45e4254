"""The rights API: a call logged by reception, verified, built, reviewed, checked by a second
person and released by the DPO, downloaded in each format; the queue with its clock; erasure;
letters; every refusal a precise 4xx in the one envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import token
from tests.services.clinic import actor
from tests.services.test_appointments import book

from hippocratic.services.parties import OrganisationRole, Parties
from hippocratic.services.store import Store


def patient(clinic: Store) -> str:
    subject: str = book(clinic).subject_id  # type: ignore[attr-defined]
    return subject


@pytest.mark.promise("S0-110", "S1-32", "S1-39", "L-01")
def test_a_phone_request_is_answered_end_to_end_through_the_api(
    client: TestClient, clinic: Store
) -> None:
    subject = patient(clinic)
    rita, dee = token(clinic, "harmonic", "rita"), token(clinic, "harmonic", "dee")
    call = datetime(2026, 11, 23, 17, 30, tzinfo=UTC).isoformat()
    made = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "access", "channel": "phone", "received_at": call, "detail": "all"},
        headers=rita,
    )
    assert made.status_code == 200, made.text
    request = made.json()["data"]
    rid = request["request_id"]
    assert request["due"] == "2026-12-23" and request["identity_required"]
    assert request["waiting_for"] == "proof of identity"
    early = client.post(f"/api/v1/rights-requests/{rid}/package", headers=dee)
    assert early.status_code == 409 and early.json()["error"]["code"] == "conflict"
    verified = client.post(
        f"/api/v1/rights-requests/{rid}/identity",
        json={"evidence": "driving licence seen at the desk"},
        headers=rita,
    )
    assert verified.json()["data"]["due"] == "2026-12-24"  # the clock starts on 24 November
    queue = client.get("/api/v1/rights-requests", headers=dee).json()["data"]
    assert [(q["request"]["request_id"], q["request"]["days_left"]) for q in queue] == [(rid, 30)]
    built = client.post(f"/api/v1/rights-requests/{rid}/package", headers=dee)
    assert built.status_code == 200, built.text
    assert client.post(f"/api/v1/rights-requests/{rid}/check", headers=dee).status_code == 409
    assert client.post(f"/api/v1/rights-requests/{rid}/check", headers=rita).status_code == 200
    assert client.post(f"/api/v1/rights-requests/{rid}/release", headers=rita).status_code == 403
    released = client.post(f"/api/v1/rights-requests/{rid}/release", headers=dee).json()["data"]
    assert released["status"] == "completed"
    for fmt, media in (
        ("json", "application/json"),
        ("csv", "text/csv; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        ("fhir", "application/fhir+json"),
        ("pdf", "application/pdf"),
    ):
        got = client.get(f"/api/v1/rights-requests/{rid}/package?format={fmt}", headers=dee)
        assert got.status_code == 200 and got.headers["content-type"] == media
        assert "attachment" in got.headers["content-disposition"]
    package = client.get(f"/api/v1/rights-requests/{rid}/package", headers=dee).json()
    assert any(s["key"] == "access" for s in package["sections"])
    letter = client.get(f"/api/v1/rights-requests/{rid}/letters/completion", headers=dee)
    assert letter.status_code == 200 and "ico.org.uk" in letter.text
    bad = client.get(f"/api/v1/rights-requests/{rid}/package?format=docx", headers=dee)
    assert bad.status_code == 400


def test_refusals_are_precise_and_other_clinics_see_nothing(
    client: TestClient, clinic: Store
) -> None:
    subject = patient(clinic)
    dee, dora = token(clinic, "harmonic", "dee"), token(clinic, "harmony", "dora")
    bad = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "access", "channel": "letter", "requester": "parent"},
        headers=dee,
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "authority"
    made = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "erasure", "channel": "letter"},
        headers=dee,
    ).json()["data"]
    rid = made["request_id"]
    assert client.get(f"/api/v1/rights-requests/{rid}", headers=dora).status_code == 404
    short = client.post(
        f"/api/v1/rights-requests/{rid}/refuse",
        json={"ground": "manifestly_excessive", "reason": "no"},
        headers=dee,
    )
    assert short.status_code == 400 and short.json()["error"]["field"] == "reason"
    plan = client.get(f"/api/v1/rights-requests/{rid}/erasure", headers=dee).json()["data"]
    assert plan["request_id"] == rid and plan["items"]
    restricted = client.post(
        f"/api/v1/rights-requests/{rid}/erasure", json={"restrict_instead": True}, headers=dee
    )
    assert restricted.json()["data"]["status"] == "completed"
    extra = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "access", "channel": "letter", "colour": "blue"},
        headers=dee,
    )
    assert extra.status_code == 400


@pytest.mark.promise("S1-37", "S0-121")
def test_objection_and_restriction_through_the_api(client: TestClient, clinic: Store) -> None:
    subject = patient(clinic)
    dee = token(clinic, "harmonic", "dee")

    def made(right: str) -> str:
        body = {"right": right, "channel": "letter"}
        answer = client.post(f"/api/v1/patients/{subject}/rights-requests", json=body, headers=dee)
        rid: str = answer.json()["data"]["request_id"]
        return rid

    objection = made("objection")
    waits = client.post(
        f"/api/v1/rights-requests/{objection}/objection",
        json={"purpose": "fraud_prevention"},
        headers=dee,
    )
    assert waits.status_code == 409 and "balancing" in waits.json()["error"]["message"]
    decided = client.post(
        f"/api/v1/rights-requests/{objection}/balance",
        json={"purpose": "fraud_prevention", "upheld": True,
              "reasoning": "no fraud concern has ever been raised about this patient"},
        headers=dee,
    )  # fmt: skip
    assert decided.json()["data"]["status"] == "completed"
    marketing = client.post(
        f"/api/v1/rights-requests/{made('objection')}/objection",
        json={"purpose": "marketing", "evidence": "letter of 1 December"},
        headers=dee,
    )
    assert marketing.status_code == 200 and marketing.json()["data"]["status"] == "completed"
    restriction = made("restriction")
    assert (
        client.post(f"/api/v1/rights-requests/{restriction}/restrict", headers=dee).json()["data"][
            "status"
        ]
        == "completed"
    )
    rita = token(clinic, "harmonic", "rita")
    read = f"/api/v1/patients/{subject}?purpose=administration"
    assert client.get(read, headers=rita).status_code == 403
    lifted = client.post(
        f"/api/v1/patients/{subject}/restriction/lift",
        json={"reason": "the address was checked and is right"},
        headers=dee,
    )
    assert lifted.status_code == 200, lifted.text
    assert client.get(read, headers=rita).status_code == 200


@pytest.mark.promise("S1-33")
def test_a_correction_through_the_api_keeps_the_old_value(
    client: TestClient, clinic: Store
) -> None:
    subject = patient(clinic)
    dee = token(clinic, "harmonic", "dee")
    rid = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "rectification", "channel": "email"},
        headers=dee,
    ).json()["data"]["request_id"]
    fixed = client.post(
        f"/api/v1/rights-requests/{rid}/correct",
        json={"field": "phone", "value": "020 7946 0000"},
        headers=dee,
    )
    assert fixed.status_code == 200, fixed.text
    history = client.get(f"/api/v1/patients/{subject}/corrections", headers=dee).json()["data"]
    assert history[0]["before"]["value"] != history[0]["after"]["value"]
    clinical = client.post(
        f"/api/v1/rights-requests/{rid}/correct",
        json={"field": "scan_report", "value": "x"},
        headers=dee,
    )
    assert clinical.status_code == 400 and clinical.json()["error"]["field"] == "field"


@pytest.mark.promise("S1-38")
def test_a_human_review_through_the_api(client: TestClient, clinic: Store) -> None:
    from tests.services.clinic import actor, agree

    from hippocratic.services.automated_decisions import AutomatedDecisions

    subject = patient(clinic)
    agree(clinic, actor("harmonic", "mo"), subject, "product_scoring")
    decided = AutomatedDecisions(clinic, actor("harmonic", "mo")).record(
        subject, "product_scoring", {"credit_reference_data": "band C"}, "suggest: 3D", "v3"
    )
    dee = token(clinic, "harmonic", "dee")
    listed = client.get(f"/api/v1/patients/{subject}/automated-decisions", headers=dee)
    assert listed.json()["data"][0]["decision_id"] == decided.decision_id
    rid = client.post(
        f"/api/v1/patients/{subject}/rights-requests",
        json={"right": "automated_decision_review", "channel": "email"},
        headers=dee,
    ).json()["data"]["request_id"]
    missing = client.post(
        f"/api/v1/rights-requests/{rid}/review",
        json={"decision_id": "nope", "outcome": "reviewed and the suggestion is withdrawn"},
        headers=dee,
    )
    assert missing.status_code == 404
    reviewed = client.post(
        f"/api/v1/rights-requests/{rid}/review",
        json={"decision_id": decided.decision_id, "patient_view": "not interested",
              "outcome": "reviewed and the suggestion is withdrawn"},
        headers=dee,
    )  # fmt: skip
    assert reviewed.status_code == 200 and reviewed.json()["data"]["status"] == "completed"


@pytest.mark.promise("S0-115")
def test_a_request_naming_an_organisation_is_refused_with_a_clear_code(
    client: TestClient, clinic: Store
) -> None:
    insurer = Parties(clinic, actor("harmonic", "rita")).register_organisation(
        "Example Health Insurance Ltd", OrganisationRole.INSURER
    )
    rita = token(clinic, "harmonic", "rita")
    answer = client.post(
        f"/api/v1/patients/{insurer.party_id}/rights-requests",
        json={"right": "access", "channel": "email"},
        headers=rita,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "rights.not_a_person"

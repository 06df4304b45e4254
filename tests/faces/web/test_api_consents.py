"""The consent API: a yes recorded in the policy's words, a no in one step by anyone on staff,
refusals that say what is wrong, the history and its FHIR export, never another clinic's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import token
from tests.services.test_consents import MARKETING, patient

from hippocratic.services.store import Store

ONLINE = {"control": "checkbox", "pre_ticked": False, "separate": True}


def opt_in(**changes: object) -> dict[str, object]:
    return {
        "purpose": "marketing",
        "method": "web_form",
        "presentation": ONLINE,
        "wording": MARKETING,
        "channels": ["email"],
    } | changes


@pytest.mark.promise("S0-12", "L-02", "S0-43")
def test_a_yes_then_a_one_step_withdrawal_by_reception(client: TestClient, clinic: Store) -> None:
    subject = patient(clinic)
    mo, rita = token(clinic, "harmonic", "mo"), token(clinic, "harmonic", "rita")
    read = f"/api/v1/patients/{subject}?purpose=marketing"
    assert client.get(read, headers=mo).status_code == 403
    given = client.post(f"/api/v1/patients/{subject}/consents", json=opt_in(), headers=mo)
    assert given.status_code == 200, given.text
    ((entry),) = given.json()["data"]
    assert (entry["purpose"], entry["channel"], entry["kind"]) == ("marketing", "email", "granted")
    assert client.get(read, headers=mo).status_code == 200
    withdrawn = client.post(
        f"/api/v1/patients/{subject}/consents/withdraw",
        json={"purpose": "marketing", "method": "phone", "evidence": "asked on the phone"},
        headers=rita,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert {e["channel"] for e in withdrawn.json()["data"]} == {"email", "sms"}
    assert client.get(read, headers=mo).status_code == 403
    history = client.get(f"/api/v1/patients/{subject}/consents?purpose=care", headers=rita).json()[
        "data"
    ]
    assert [(n["channel"], n["kind"], n["live"]) for n in history["current"]] == [
        ("email", "withdrawn", False),
        ("sms", "withdrawn", False),
    ]
    assert len(history["events"]) == 3


@pytest.mark.promise("S0-25", "S1-04")
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"presentation": ONLINE | {"pre_ticked": True}}, "consent.pre_ticked"),
        ({"presentation": ONLINE | {"separate": False}}, "consent.bundled"),
        ({"method": "browsing"}, "consent.not_affirmative"),
        ({"wording": "Offers?"}, "consent.wording"),
        ({"purposes": ["marketing", "care"]}, "input.invalid"),
    ],
)
def test_what_is_no_consent_is_a_precise_400(
    client: TestClient, clinic: Store, changes: dict[str, object], code: str
) -> None:
    subject = patient(clinic)
    mo = token(clinic, "harmonic", "mo")
    refused = client.post(
        f"/api/v1/patients/{subject}/consents", json=opt_in(**changes), headers=mo
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == code
    history = client.get(
        f"/api/v1/patients/{subject}/consents?purpose=care",
        headers=token(clinic, "harmonic", "rita"),
    ).json()["data"]
    assert history["events"] == []


@pytest.mark.promise("S0-25")
def test_the_fhir_export_and_another_clinics_patient(client: TestClient, clinic: Store) -> None:
    from fhir.resources.R4B.bundle import Bundle

    subject = patient(clinic)
    mo = token(clinic, "harmonic", "mo")
    client.post(f"/api/v1/patients/{subject}/consents", json=opt_in(), headers=mo)
    exported = client.get(f"/api/v1/patients/{subject}/consents/fhir", headers=mo)
    assert exported.status_code == 200, exported.text
    bundle = Bundle.model_validate(exported.json()["data"])
    assert [e.resource.provision.type for e in bundle.entry] == ["permit"]
    harmony = token(clinic, "harmony", "rhea")
    assert client.get(f"/api/v1/patients/{subject}/consents", headers=harmony).status_code == 404
    posted = client.post(
        f"/api/v1/patients/{subject}/consents/withdraw",
        json={"purpose": "marketing", "method": "phone", "evidence": "call"},
        headers=harmony,
    )
    assert posted.status_code in (400, 404)


def test_the_reconfirmation_list_is_for_those_who_work_under_the_purpose(
    client: TestClient, clinic: Store
) -> None:
    mo, bill = token(clinic, "harmonic", "mo"), token(clinic, "harmonic", "bill")
    listed = client.get("/api/v1/consents/reconfirm?purpose=marketing", headers=mo)
    assert (listed.status_code, listed.json()["data"]) == (200, [])
    assert (
        client.get("/api/v1/consents/reconfirm?purpose=marketing", headers=bill).status_code == 403
    )

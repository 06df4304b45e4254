"""Audit events exported as FHIR R4 AuditEvent resources in the IHE BALP shape, valid against
the fhir.resources R4B model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from tests.storage.ledger_store import ORG, START, Ledger, open_ledger

from hippocratic.storage.ledger import AuditEvent
from hippocratic.storage.ledger_fhir import export_fhir


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    opened.append([
        AuditEvent(START, "drlee", "sonographer", "care", "ada", "read", "allowed",
                   ("medical_history",), ("health",), ("care:relationship",), "req-1"),
        AuditEvent(START, "rita", "reception", "care", None, "search", "allowed",
                   ("nhs_number",), ("identity",), ("role:reception/purpose:care",)),
        AuditEvent(START, "mo", "marketing", "marketing", "ada", "read", "denied",
                   ("medical_history",), ("health",), ("purpose:marketing/deny:health",),
                   None, "marketing may not see health data"),
        AuditEvent(START, "rita", "reception", "care", "ada", "create", "allowed",
                   ("full_name",), ("identity",), ("role:reception/purpose:care",)),
    ])  # fmt: skip
    yield opened
    opened.close()


def exported(ledger: Ledger) -> list[dict]:
    with ledger.sessions() as session:
        return list(export_fhir(session, ORG))


@pytest.mark.promise("S0-81")
def test_every_event_is_a_valid_fhir_audit_event(ledger: Ledger) -> None:
    resources = exported(ledger)
    assert [r["id"] for r in resources] == [f"{ORG}-{n}" for n in range(1, 5)]
    for resource in resources:
        FhirAuditEvent.model_validate(resource)


def test_a_read_follows_the_balp_patient_read_pattern(ledger: Ledger) -> None:
    read = FhirAuditEvent.model_validate(exported(ledger)[0])
    assert (read.type.code, read.subtype[0].system, read.subtype[0].code) == (
        "rest", "http://hl7.org/fhir/restful-interaction", "read"
    )  # fmt: skip
    assert (read.action, read.outcome) == ("R", "0")
    assert str(read.recorded).startswith("2026-11-24")
    user, client, server = read.agent
    assert (user.type.coding[0].code, user.who.identifier.value, user.requestor) == (
        "IRCP", "drlee", True
    )  # fmt: skip
    assert user.role[0].coding[0].code == "sonographer"
    assert (client.type.coding[0].code, client.who.identifier.value) == ("110153", "req-1")
    assert server.type.coding[0].code == "110152"
    patient, data = read.entity
    assert (patient.what.reference, patient.type.code, patient.role.code) == (
        "Patient/ada",
        "1",
        "1",
    )
    assert (data.type.code, data.role.code) == ("2", "4")
    assert {d.type: d.valueString for d in data.detail}["rule_ids"] == '["care:relationship"]'
    assert read.purposeOfEvent[0].coding[0].code == "care"
    assert read.source.type[0].code == "4"


def test_searches_denials_and_writes_keep_their_shape(ledger: Ledger) -> None:
    search, denied, create = (FhirAuditEvent.model_validate(r) for r in exported(ledger)[1:])
    assert (search.action, search.subtype[0].code) == ("E", "search-type")
    assert [(e.type.code, e.role.code) for e in search.entity] == [("2", "24")]
    assert (denied.outcome, denied.outcomeDesc) == ("4", "marketing may not see health data")
    assert denied.purposeOfEvent[0].coding[0].code == "marketing"
    assert (create.action, create.subtype[0].code, create.agent[0].type.coding[0].code) == (
        "C", "create", "AUT"
    )  # fmt: skip

"""Audit events as FHIR R4 AuditEvent resources shaped after IHE Basic Audit Log Patterns (BALP).

Each event becomes a RESTful-operation AuditEvent: ``subtype`` the FHIR interaction (read,
create, update, delete, search-type), agents for the person (with their role, as information
recipient or author), the client and the server (DICOM Source and Destination Role IDs),
the patient as an entity (Person / Patient), the data touched as a second entity (System
Object / Domain Resource, or Query for a search) with its fields, categories and the guard's
rule ids, and the purpose as ``purposeOfEvent``. Export streams in sequence order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import AuditEventRow

AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
ENTITY_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
HIPPOCRATIC = "urn:hippocratic"

# Our action -> (FHIR AuditEvent.action, restful interaction)
INTERACTIONS: dict[str, tuple[str, str]] = {
    "read": ("R", "read"),
    "export": ("R", "read"),
    "disclose": ("R", "read"),
    "search": ("E", "search-type"),
    "create": ("C", "create"),
    "store": ("C", "create"),
    "write": ("U", "update"),
    "update": ("U", "update"),
    "erase": ("D", "delete"),
    "delete": ("D", "delete"),
}
SUCCESS, MINOR_FAILURE = "0", "4"


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display is not None:
        coding["display"] = display
    return coding


def to_fhir(organisation: str, row: AuditEventRow) -> dict[str, Any]:
    """One event as a FHIR R4 AuditEvent resource (a plain JSON-ready dict)."""
    action, interaction = INTERACTIONS.get(row.action, ("E", row.action))
    writes = action in {"C", "U", "D"}
    denied = row.outcome == "denied"
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"{organisation}-{row.seq}",
        "type": _coding(AUDIT_TYPE, "rest", "Restful Operation"),
        "subtype": [
            _coding(INTERACTION, interaction),
            _coding(f"{HIPPOCRATIC}:action", row.action),
        ],
        "action": action,
        "recorded": row.at,
        "outcome": MINOR_FAILURE if denied else SUCCESS,
        "purposeOfEvent": [{"coding": [_coding(f"{HIPPOCRATIC}:purpose", row.purpose)]}],
        "agent": [
            {
                "type": {
                    "coding": [
                        _coding(PARTICIPATION, "AUT", "author (originator)")
                        if writes
                        else _coding(PARTICIPATION, "IRCP", "information recipient")
                    ]
                },
                "role": [{"coding": [_coding(f"{HIPPOCRATIC}:role", row.role)]}],
                "who": {"identifier": {"system": f"{HIPPOCRATIC}:actor", "value": row.actor}},
                "requestor": True,
            },
            {
                "type": {"coding": [_coding(DICOM, "110152", "Destination Role ID")]},
                "who": {"display": f"Hippocratic ({organisation})"},
                "requestor": False,
            },
        ],
        "source": {
            "site": organisation,
            "observer": {"display": f"Hippocratic ({organisation})"},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": _entities(row, interaction),
    }
    if row.request_id:
        resource["agent"].insert(
            1,
            {
                "type": {"coding": [_coding(DICOM, "110153", "Source Role ID")]},
                "who": {
                    "identifier": {"system": f"{HIPPOCRATIC}:request", "value": row.request_id}
                },
                "requestor": False,
            },
        )
    if row.reason:
        resource["outcomeDesc"] = row.reason
    return resource


def _entities(row: AuditEventRow, interaction: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if row.subject_id:
        entities.append(
            {
                "what": {
                    "reference": f"Patient/{row.subject_id}",
                    "identifier": {"system": f"{HIPPOCRATIC}:subject", "value": row.subject_id},
                },
                "type": _coding(ENTITY_TYPE, "1", "Person"),
                "role": _coding(ENTITY_ROLE, "1", "Patient"),
            }
        )
    query = interaction == "search-type"
    entities.append(
        {
            "type": _coding(ENTITY_TYPE, "2", "System Object"),
            "role": _coding(ENTITY_ROLE, "24", "Query")
            if query
            else _coding(ENTITY_ROLE, "4", "Domain Resource"),
            "description": "fields: " + ", ".join(json.loads(row.fields)),
            "detail": [
                {"type": "fields", "valueString": row.fields},
                {"type": "categories", "valueString": row.categories},
                {"type": "rule_ids", "valueString": row.rule_ids},
            ],
        }
    )
    return entities


def export_fhir(session: Session, organisation: str) -> Iterator[dict[str, Any]]:
    """Every event of the organisation, oldest first, streamed in batches."""
    rows = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.organisation_id == organisation)
        .order_by(AuditEventRow.seq)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        yield to_fhir(organisation, row)

"""An access package as a FHIR R4 Bundle shaped like ``Patient/$everything``: the Patient, then
every resource about them (appointments, referrals as ServiceRequests, clinical entries as
DocumentReferences, communications, enquiries and complaints as Communications, payments as
Invoices, consents, and who accessed the record as AuditEvents).

Built from the package itself, so the Bundle holds exactly what the letter holds: a withheld
item is absent from both. Card numbers appear only as their last four digits, as everywhere."""

from __future__ import annotations

import base64
from typing import Any

from hippocratic.services.access_package import AccessPackage, Item

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
HIPPOCRATIC = "urn:hippocratic"
APPOINTMENT_STATUS = {
    "booked": "booked",
    "attended": "fulfilled",
    "did_not_attend": "noshow",
    "cancelled": "cancelled",
}


def _id(item: Item) -> str:
    """``kind:id`` as a FHIR id (letters, digits, '-' and '.', at most 64)."""
    return item.ref.replace(":", "-").replace("_", "-")[:64]


def _patient(package: AccessPackage) -> dict[str, Any]:
    held = {row["key"]: row["value"] for row in package.details}
    resource: dict[str, Any] = {"resourceType": "Patient", "id": package.subject}
    if held.get("nhs_number", "").replace(" ", "").isdigit():
        resource["identifier"] = [
            {"system": NHS_NUMBER, "value": held["nhs_number"].replace(" ", "")}
        ]
    if held.get("full_name"):
        resource["name"] = [{"text": held["full_name"]}]
    telecom = [
        {"system": system, "value": held[key]}
        for key, system in (("phone", "phone"), ("email", "email"))
        if held.get(key)
    ]
    if telecom:
        resource["telecom"] = telecom
    if len(held.get("date_of_birth", "")) == 10:
        resource["birthDate"] = held["date_of_birth"]
    if held.get("postal_address"):
        resource["address"] = [{"text": held["postal_address"]}]
    return resource


def _text(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def _resource(kind: str, item: Item, patient: str) -> dict[str, Any] | None:
    v = item.values
    subject = {"reference": f"Patient/{patient}"}
    if kind == "appointment":
        return {
            "resourceType": "Appointment",
            "status": APPOINTMENT_STATUS.get(v.get("status", ""), "booked"),
            "serviceType": [{"text": v.get("service_title") or v.get("service", "")}],
            "start": item.at,
            "minutesDuration": int(v.get("duration_minutes") or 0) or None,
            "participant": [{"actor": subject, "status": "accepted"}],
        }
    if kind == "referral":
        return {
            "resourceType": "ServiceRequest",
            "status": "active" if v.get("status") in ("received", "accepted") else "completed",
            "intent": "order",
            "subject": subject,
            "authoredOn": item.at,
            "requester": {"display": v.get("referrer", "")},
            "reasonCode": [{"text": v.get("reason", "")}],
            "note": [{"text": v.get("letter", "")}],
        }
    if kind == "clinical_entry":
        return {
            "resourceType": "DocumentReference",
            "status": "current" if not v.get("supersedes") else "superseded",
            "type": {"text": v.get("title", "")},
            "subject": subject,
            "date": item.at,
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain;charset=utf-8",
                        "data": _text(v.get("content", "")),
                    }
                }
            ],
        }
    if kind in ("communication", "enquiry", "complaint"):
        summary = v.get("summary") or v.get("text", "")
        return {
            "resourceType": "Communication",
            "status": "completed",
            "category": [{"text": kind if kind != "communication" else v.get("purpose", "")}],
            "subject": subject,
            "sent": item.at,
            "payload": [{"contentString": summary or "(no text)"}],
        }
    if kind == "payment":
        return {
            "resourceType": "Invoice",
            "status": "balanced" if v.get("status") == "paid" else "issued",
            "subject": subject,
            "date": item.at,
            "totalGross": {
                "value": int(v.get("amount_pence") or 0) / 100,
                "currency": v.get("currency") or "GBP",
            },
            "note": [{"text": f"{v.get('method', '')} {v.get('card_last_four', '')}".strip()}],
        }
    if kind == "consent":
        permit = v.get("kind") != "withdrawn"
        return {
            "resourceType": "Consent",
            "status": "active" if permit else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [{"text": v.get("purpose_title", "")}],
            "patient": subject,
            "dateTime": item.at,
            "policyRule": {"text": v.get("wording", "")},
            "provision": {"type": "permit" if permit else "deny"},
        }
    if kind == "access":
        return {
            "resourceType": "AuditEvent",
            "type": {"system": f"{HIPPOCRATIC}:action", "code": v.get("action", "")},
            "recorded": item.at,
            "outcome": "0" if v.get("outcome") == "allowed" else "4",
            "purposeOfEvent": [{"text": v.get("purpose", "")}],
            "agent": [{"role": [{"text": v.get("who", "")}], "requestor": True}],
            "source": {"observer": {"display": "Hippocratic"}},
            "entity": [{"what": subject, "description": v.get("reason") or None}],
        }
    return None


def _clean(value: Any) -> Any:
    """Drop empty values, which FHIR does not allow."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [c for c in (_clean(v) for v in value) if c not in (None, "", [], {})]
    return value


def package_bundle(package: AccessPackage) -> dict[str, Any]:
    patient = package.subject
    entries: list[dict[str, Any]] = [
        {"fullUrl": f"urn:uuid:{patient}", "resource": _patient(package)}
    ]
    for section in package.sections:
        for item in section.items:
            resource = _resource(section.key, item, patient)
            if resource is not None:
                resource["id"] = _id(item)
                entries.append({"resource": resource})
    bundle: dict[str, Any] = _clean(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": package.built_at,
            "total": len(entries),
            "entry": entries,
        }
    )
    return bundle

"""A patient's consents as FHIR R4 Consent resources, in a collection Bundle.

One Consent per purpose and channel, as it stands now (``Consents.history``): a yes is a
``permit`` provision and a no or withdrawal a ``deny`` one (an opt-out is an active decision,
not the absence of one); ``OPTIN``/``OPTOUT`` as the policy rule; the purpose, the
organisation as the actor that receives the data, and the period until the consent lapses.
A consent given under terms that have since changed, or that has lapsed, is ``inactive``. The
words shown travel as the source attachment, with their SHA-256, and the notice in force as
the policy; a choice staff recorded for the patient (in person, by phone, on paper) carries
who verified it.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from hippocratic.domain.consent import ConsentKind, ConsentMethod
from hippocratic.policy.document import Policy
from hippocratic.services.consents import ConsentEntry, ConsentHistory, ConsentNow

SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PURPOSE = "urn:hippocratic:purpose"
CHANNEL = "urn:hippocratic:fhir:consent-channel"
METHOD = "urn:hippocratic:fhir:consent-method"


def _instant(moment: datetime) -> str:
    return moment.isoformat()


def consent_resource(
    policy: Policy, subject: str, now: ConsentNow, event: ConsentEntry
) -> dict[str, Any]:
    """The FHIR R4 Consent for one purpose (and channel), from its latest event."""
    permit = now.kind is not ConsentKind.WITHDRAWN
    period: dict[str, str] = {"start": _instant(event.at)}
    if now.expires_at is not None:
        period["end"] = _instant(now.expires_at)
    extensions = [{"url": METHOD, "valueCode": event.method}]
    if now.channel is not None:
        extensions.append({"url": CHANNEL, "valueCode": now.channel})
    notice = policy.notice
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": event.event_id,
        "extension": extensions,
        "status": "active" if (now.live or not permit) else "inactive",
        "scope": {"coding": [{"system": SCOPE, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{subject}"},
        "dateTime": _instant(event.at),
        "performer": [{"reference": f"Patient/{subject}"}],
        "organization": [{"display": policy.organisation.display_name}],
        "sourceAttachment": {
            "contentType": "text/plain;charset=utf-8",
            "data": base64.b64encode(event.wording.encode("utf-8")).decode("ascii"),
            "title": f"Words shown (SHA-256 {event.wording_sha256})",
        },
        "policy": [{"uri": f"{notice.url}#version={event.notice_version}"}] if notice.url else [],
        "policyRule": {
            "coding": [{"system": ACT_CODE, "code": "OPTIN" if permit else "OPTOUT"}],
            "text": now.purpose_title,
        },
        "provision": {
            "type": "permit" if permit else "deny",
            "period": period,
            "actor": [
                {
                    "role": {"coding": [{"system": PARTICIPATION, "code": "IRCP"}]},
                    "reference": {"display": policy.organisation.display_name},
                }
            ],
            "purpose": [{"system": PURPOSE, "code": now.purpose, "display": now.purpose_title}],
        },
    }
    if not resource["policy"]:
        del resource["policy"]
    if not ConsentMethod(event.method).self_service:
        resource["verification"] = [
            {
                "verified": True,
                "verifiedWith": {"display": f"{event.recorded_by} ({event.recorded_role})"},
                "verificationDate": _instant(event.at),
            }
        ]
    return resource


def consent_bundle(policy: Policy, history: ConsentHistory) -> dict[str, Any]:
    """Every current consent of the patient, as a FHIR collection Bundle."""
    latest = {entry.event_id: entry for entry in history.events}
    entries = [
        {"resource": consent_resource(policy, history.subject, now, latest[now.event_id])}
        for now in history.current
        if now.event_id is not None and now.event_id in latest
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}

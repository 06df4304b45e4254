"""Patients and everything recorded about each: the record itself (search, view, change, an
inbound call's identity check, break-glass), and per patient their appointments, referrals,
clinical entries, communications, payments, cases and Art. 14 notices."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from hippocratic.errors import InputError
from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import (
    BreakGlassIn,
    ClinicalEntryIn,
    CommunicationIn,
    InboundIn,
    PatientUpdateIn,
    PaymentIn,
)
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.appointments import Appointments
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.cases import CaseKind, Cases
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import Communications, Recording
from hippocratic.services.patients import InboundContact, Patients
from hippocratic.services.payments import CardPayment, Payments
from hippocratic.services.records import Records
from hippocratic.services.referrals import Referrals

router = APIRouter(prefix="/patients", tags=["patients"])
Who = Annotated[Caller, Depends(caller)]
Cursor = Annotated[str | None, Query(max_length=200, description="`next` of the page before")]
Limit = Annotated[int | None, Query(ge=1, le=200)]
Purpose = Annotated[str | None, Query(max_length=64, description="a purpose of your role")]
SEARCH_CONTROLS = {"purpose"}


@router.get("", summary="Find patients by several identifiers at once")
def search(request: Request, who: Who, purpose: Purpose = None) -> dict[str, Any]:
    """Every query parameter but ``purpose`` is an identifier to match exactly, e.g.
    ``?full_name=Ada%20Example&date_of_birth=1984-03-02``; each match shown is audited."""
    criteria = {k: v for k, v in request.query_params.items() if k not in SEARCH_CONTROLS}
    if not criteria:
        raise InputError(
            "search on at least one identifier", field="query", hint="e.g. ?full_name=…"
        )
    if len(criteria) > 6 or any(len(value) > 200 for value in criteria.values()):
        raise InputError("search on at most 6 identifiers of 200 characters", field="query")
    found = Patients(store_of(request), who.actor).search(criteria, purpose)
    return success(found)


@router.get("/{subject}", summary="A patient's record, field by field, as your role sees it")
def view(request: Request, who: Who, subject: RecordId, purpose: Purpose = None) -> dict[str, Any]:
    patients = Patients(store_of(request), who.actor)
    return success(patients.view(subject, purpose, request_id=who.request_id))


@router.patch("/{subject}", summary="Correct or add to a patient's details")
def update(
    request: Request, who: Who, subject: RecordId, change: PatientUpdateIn
) -> dict[str, Any]:
    patients = Patients(store_of(request), who.actor)
    return success(patients.update(subject, change.fields, change.purpose))


@router.post("/{subject}/inbound", summary="Open a record for someone who got in touch (S0-37)")
def inbound(request: Request, who: Who, subject: RecordId, contact: InboundIn) -> dict[str, Any]:
    """Say how they got in touch and which identifiers they gave that match the record: at
    least two. The check is written on the audit event of the access."""
    patients = Patients(store_of(request), who.actor)
    checked = InboundContact(contact.channel, contact.checked)
    return success(patients.view(subject, contact.purpose, checked, who.request_id))


@router.post("/{subject}/break-glass", summary="Emergency access, time-boxed and reviewed")
def break_glass(
    request: Request, who: Who, subject: RecordId, glass: BreakGlassIn
) -> dict[str, Any]:
    records = Records(store_of(request), who.actor)
    grant = records.break_glass(subject, glass.reason, timedelta(minutes=glass.minutes))
    return success({"grant_id": grant, "minutes": glass.minutes, "reviewed_by": "the DPO"})


@router.get("/{subject}/appointments", tags=["appointments"])
def appointments(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    service = Appointments(store_of(request), who.actor)
    return success(service.for_patient(subject, purpose, cursor, limit, who.request_id))


@router.get("/{subject}/referrals", tags=["referrals"])
def referrals(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    service = Referrals(store_of(request), who.actor)
    return success(service.for_patient(subject, purpose, cursor, limit, who.request_id))


@router.get("/{subject}/clinical-entries", tags=["clinical entries"])
def clinical_entries(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    service = ClinicalEntries(store_of(request), who.actor)
    return success(service.for_patient(subject, purpose, cursor, limit, who.request_id))


@router.post("/{subject}/clinical-entries", status_code=201, tags=["clinical entries"])
def add_clinical_entry(
    request: Request, who: Who, subject: RecordId, entry: ClinicalEntryIn
) -> dict[str, Any]:
    """Only a clinician who may read the patient's clinical record may write in it; a
    correction supersedes the entry it corrects, which stays."""
    service = ClinicalEntries(store_of(request), who.actor)
    added = service.add(
        subject,
        entry.field,
        entry.content,
        appointment_id=entry.appointment_id,
        supersedes=entry.supersedes,
        request_id=who.request_id,
    )
    return success(added)


@router.get("/{subject}/communications", tags=["communications"])
def communications(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    service = Communications(store_of(request), who.actor)
    return success(service.for_patient(subject, purpose, cursor, limit, who.request_id))


@router.post("/{subject}/communications", status_code=201, tags=["communications"])
def log_communication(
    request: Request, who: Who, subject: RecordId, note: CommunicationIn
) -> dict[str, Any]:
    """A call recording is kept only if the caller heard the recording notice (and, where
    the policy asks, consented): otherwise the whole entry is refused."""
    recording = (
        Recording(note.recording.content, note.recording.notice_given_at)
        if note.recording
        else None
    )
    logged = Communications(store_of(request), who.actor).log(
        subject,
        note.direction,
        note.channel,
        note.summary,
        purpose=note.purpose,
        occurred_at=note.occurred_at,
        recording=recording,
        request_id=who.request_id,
    )
    return success(logged)


@router.get("/{subject}/communications/{communication_id}/recording", tags=["communications"])
def recording(
    request: Request, who: Who, subject: RecordId, communication_id: RecordId
) -> dict[str, Any]:
    played = Communications(store_of(request), who.actor).play(subject, communication_id)
    return success(played)


@router.get("/{subject}/payments", tags=["payments"])
def payments(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    service = Payments(store_of(request), who.actor)
    return success(service.for_patient(subject, purpose, cursor, limit, who.request_id))


@router.post("/{subject}/payments", status_code=201, tags=["payments"])
def record_payment(
    request: Request, who: Who, subject: RecordId, paid: PaymentIn
) -> dict[str, Any]:
    """A card payment carries the card provider's token and the last four digits, never the
    number; bank details are sealed and shown to billing only."""
    card = CardPayment(paid.card.processor_token, paid.card.last_four) if paid.card else None
    recorded = Payments(store_of(request), who.actor).record(
        subject,
        paid.method,
        paid.amount_pence,
        currency=paid.currency,
        card=card,
        bank_details=paid.bank_details,
        appointment_id=paid.appointment_id,
        request_id=who.request_id,
    )
    return success(recorded)


@router.get("/{subject}/cases", tags=["cases"])
def cases(request: Request, who: Who, subject: RecordId, kind: CaseKind) -> dict[str, Any]:
    return success(Cases(store_of(request), who.actor).for_patient(subject, kind))


@router.get("/{subject}/art14-tasks", tags=["oversight"])
def art14_tasks(request: Request, who: Who, subject: RecordId) -> dict[str, Any]:
    return success(Art14Tasks(store_of(request), who.actor).for_patient(subject))

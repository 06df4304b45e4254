"""What comes in and what the day holds: bookings and the worklist, referrals and their
decisions, enquiries and complaints. A booking, referral or case for someone new carries the
notice presented when their details were taken, or nothing is stored (S0-06)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import (
    BookingIn,
    CaseIn,
    OutcomeIn,
    ReferralDecisionIn,
    ReferralIn,
    StatusIn,
)
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.cases import CaseKind, Cases, NewCase
from hippocratic.services.referrals import Intake, Referrals
from hippocratic.services.worklist import Worklist

router = APIRouter()
Who = Annotated[Caller, Depends(caller)]
Cursor = Annotated[str | None, Query(max_length=200, description="`next` of the page before")]
Limit = Annotated[int | None, Query(ge=1, le=200)]


@router.post("/appointments", status_code=201, tags=["appointments"])
def book(request: Request, who: Who, booking: BookingIn) -> dict[str, Any]:
    """Book a patient on record (``subject``) or register a new one from the booking form
    (``patient``, with the ``notice`` they were shown) in the same transaction."""
    booked = Appointments(store_of(request), who.actor).book(
        Booking(
            booking.service,
            booking.starts_at,
            booking.notice.capture() if booking.notice else None,
            booking.subject,
            booking.patient,
            booking.clinician,
            booking.duration_minutes,
            booking.location,
            booking.referral_id,
            booking.contact_confirmed,
        ),
        who.request_id,
    )
    return success(booked)


@router.post("/patients/{subject}/appointments/{appointment_id}/status", tags=["appointments"])
def set_status(
    request: Request, who: Who, subject: RecordId, appointment_id: RecordId, change: StatusIn
) -> dict[str, Any]:
    service = Appointments(store_of(request), who.actor)
    return success(service.set_status(subject, appointment_id, change.status, who.request_id))


@router.get("/worklist", tags=["appointments"], summary="The day's appointments")
def worklist(
    request: Request,
    who: Who,
    day: date | None = None,
    clinician: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> dict[str, Any]:
    """One scoped query; every patient on the page is an audited access."""
    page = Worklist(store_of(request), who.actor).day(
        day, clinician=clinician, cursor=cursor, limit=limit, request_id=who.request_id
    )
    return success(page)


@router.post("/referrals", status_code=201, tags=["referrals"])
def intake(request: Request, who: Who, referral: ReferralIn) -> dict[str, Any]:
    """A referral from a GP or another provider: the patient's data was not collected from
    them, so an Art. 14 notice falls due and lands on the DPO's list."""
    taken = Referrals(store_of(request), who.actor).intake(
        Intake(
            referral.referrer_kind,
            referral.referrer,
            referral.letter,
            referral.reason,
            referral.notice.capture() if referral.notice else None,
            referral.subject,
            referral.patient,
        ),
        who.request_id,
    )
    return success(taken)


@router.post("/patients/{subject}/referrals/{referral_id}/decision", tags=["referrals"])
def decide(
    request: Request,
    who: Who,
    subject: RecordId,
    referral_id: RecordId,
    decision: ReferralDecisionIn,
) -> dict[str, Any]:
    decided = Referrals(store_of(request), who.actor).decide(
        subject, referral_id, accept=decision.accept, clinician=decision.clinician
    )
    return success(decided)


@router.post("/cases", status_code=201, tags=["cases"])
def open_case(request: Request, who: Who, case: CaseIn) -> dict[str, Any]:
    """An enquiry or a complaint, with its acknowledgement and due dates from the clocks."""
    opened = Cases(store_of(request), who.actor).open(
        NewCase(
            case.kind,
            case.text,
            case.channel,
            case.notice.capture() if case.notice else None,
            case.subject,
            case.person,
        ),
        who.request_id,
    )
    return success(opened)


@router.get("/cases", tags=["cases"], summary="Open enquiries or complaints, oldest first")
def open_cases(
    request: Request, who: Who, kind: CaseKind, cursor: Cursor = None, limit: Limit = None
) -> dict[str, Any]:
    page = Cases(store_of(request), who.actor).open_cases(kind, cursor=cursor, limit=limit)
    return success(page)


@router.post("/patients/{subject}/cases/{case_id}/acknowledge", tags=["cases"])
def acknowledge(request: Request, who: Who, subject: RecordId, case_id: RecordId) -> dict[str, Any]:
    return success(Cases(store_of(request), who.actor).progress(subject, case_id))


@router.post("/patients/{subject}/cases/{case_id}/close", tags=["cases"])
def close(
    request: Request, who: Who, subject: RecordId, case_id: RecordId, outcome: OutcomeIn
) -> dict[str, Any]:
    closed = Cases(store_of(request), who.actor).progress(
        subject, case_id, close=True, outcome=outcome.outcome
    )
    return success(closed)

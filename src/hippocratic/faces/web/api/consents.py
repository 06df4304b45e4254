"""A patient's consents: recorded, withdrawn in one step, read back with every event behind
them, exported as FHIR R4 Consent resources; and who must be asked again after a material
change of the notice. Each grant or withdrawal names one purpose (consent is unbundled)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from hippocratic.domain.consent import ConsentKind, Presentation
from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import ConsentIn, WithdrawalIn
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.consent_fhir import consent_bundle
from hippocratic.services.consents import ConsentChoice, Consents

router = APIRouter(tags=["consents"])
Who = Annotated[Caller, Depends(caller)]
Purpose = Annotated[str | None, Query(max_length=64, description="a purpose of your role")]


def _consents(request: Request, who: Who) -> Consents:
    return Consents(store_of(request), who.actor)


def _reading_purpose(request: Request, who: Who, purpose: str | None) -> str:
    return purpose or _consents(request, who).reading_purpose()


@router.get("/patients/{subject}/consents", summary="A patient's consents, now and every event")
def history(request: Request, who: Who, subject: RecordId, purpose: Purpose = None) -> Any:
    """Read under ``purpose`` (your reason for opening the record), audited as one read."""
    reading = _reading_purpose(request, who, purpose)
    return success(_consents(request, who).history(subject, reading))


@router.get("/patients/{subject}/consents/fhir", summary="A patient's consents as FHIR R4 Consent")
def fhir(request: Request, who: Who, subject: RecordId, purpose: Purpose = None) -> Any:
    """A collection Bundle: one Consent per purpose and channel, permit or deny."""
    reading = _reading_purpose(request, who, purpose)
    consents = _consents(request, who)
    return success(consent_bundle(consents.policy, consents.history(subject, reading)))


@router.post("/patients/{subject}/consents", summary="Record a patient's yes or no to a purpose")
def record(request: Request, who: Who, subject: RecordId, given: ConsentIn) -> Any:
    """One purpose per request, in the policy's current words for it, asked on its own and
    unticked; a choice staff record for the patient (in person, by phone, on paper) needs its
    evidence. A pre-ticked, bundled or implied 'consent' is refused and nothing is stored."""
    choice = ConsentChoice(
        purpose=given.purpose,
        kind=given.kind,
        method=given.method,
        presentation=Presentation(
            given.presentation.control,
            given.presentation.pre_ticked,
            given.presentation.separate,
        ),
        wording=given.wording,
        channels=tuple(given.channels),
        evidence=given.evidence,
        notice_version=given.notice_version,
        service=given.service,
    )
    return success(_consents(request, who).record(subject, choice))


@router.post(
    "/patients/{subject}/consents/withdraw", summary="Withdraw a consent, in one step (Art. 7(3))"
)
def withdraw(request: Request, who: Who, subject: RecordId, withdrawal: WithdrawalIn) -> Any:
    """Any member of staff may record it; no channel named withdraws every channel."""
    choice = ConsentChoice(
        purpose=withdrawal.purpose,
        kind=ConsentKind.WITHDRAWN,
        method=withdrawal.method,
        presentation=Presentation(withdrawal.control),
        channels=tuple(withdrawal.channels),
        evidence=withdrawal.evidence,
    )
    return success(_consents(request, who).record(subject, choice))


@router.get("/consents/reconfirm", summary="Who must be asked again before processing resumes")
def reconfirm(request: Request, who: Who, purpose: Annotated[str, Query(max_length=64)]) -> Any:
    """Consents to ``purpose`` given under terms a later notice changed materially, or before
    the ledger: each listed patient's ledger shows the listing."""
    return success(_consents(request, who).reconfirmation_due(purpose))

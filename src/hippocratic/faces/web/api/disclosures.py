"""Disclosures (S0-54): send a patient's data to a registered recipient through the sharing
rules and the guard, read a patient's disclosure log, scope a breach by what went out, and the
DPO's queue of Art. 19 notices. Every route acts as the caller through ``Disclosures``, so each
step is decided and recorded on the ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, Field, StringConstraints

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Strict
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import BodyId, RecordId
from hippocratic.services.art19_notices import Art19Notices
from hippocratic.services.disclosure_gate import Channel, Disclose
from hippocratic.services.disclosures import Disclosures

router = APIRouter(tags=["disclosures"])
Who = Annotated[Caller, Depends(caller)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class DiscloseIn(Strict):
    recipient: Key
    """The policy's recipient key (``referrers``, ``authorities``...)."""
    purpose: Key
    fields: Annotated[list[Key], Field(min_length=1, max_length=100)]
    channel: Channel
    party: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    """Who exactly, where the recipient is a kind; a report to a referrer goes to the referrer
    on the referral whatever is given."""
    referral: BodyId | None = None
    patient_told_at: AwareDatetime | None = None
    exemption: Reason | None = None
    agreed_at: AwareDatetime | None = None
    justification: Reason | None = None


def _disclosures(request: Request, who: Who) -> Disclosures:
    return Disclosures(store_of(request), who.actor)


@router.post(
    "/patients/{subject}/disclosures", summary="Disclose a patient's data", status_code=201
)
def disclose(request: Request, who: Who, subject: RecordId, given: DiscloseIn) -> Any:
    """Refused (403, with the rules) unless the recipient may receive these fields for this
    purpose on these terms; the refusal is on the ledger, and nothing else is stored."""
    ask = Disclose(
        given.recipient,
        given.purpose,
        tuple(given.fields),
        given.channel,
        given.party,
        given.referral,
        given.patient_told_at,
        given.exemption,
        given.agreed_at,
        given.justification,
    )
    return success(_disclosures(request, who).disclose(subject, ask, who.request_id))


@router.get("/patients/{subject}/disclosures", summary="A patient's disclosure log")
def for_patient(
    request: Request,
    who: Who,
    subject: RecordId,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Any:
    return success(_disclosures(request, who).for_patient(subject, None, cursor, limit))


@router.get("/disclosures", summary="What was disclosed in a window (breach scoping, the DPO)")
def disclosed_in(
    request: Request,
    who: Who,
    start: Annotated[AwareDatetime, Query()],
    end: Annotated[AwareDatetime, Query()],
    recipient: Annotated[Key | None, Query()] = None,
) -> Any:
    return success(_disclosures(request, who).disclosed_in(start, end, recipient))


@router.get("/art19-notices", summary="Art. 19 notices owed to recipients (the DPO)")
def art19_notices(request: Request, who: Who, pending: bool = True) -> Any:
    return success(Art19Notices(store_of(request), who.actor).queue(pending))


@router.post("/art19-notices/{notice_id}/sent", summary="Record that the recipient was told")
def mark_sent(request: Request, who: Who, notice_id: RecordId) -> Any:
    return success(Art19Notices(store_of(request), who.actor).mark_sent(notice_id))

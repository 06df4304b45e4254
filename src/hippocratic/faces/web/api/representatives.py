"""Representatives' authorities: staff record that a parent or an authorised third party may
act for a patient in the portal (who, which requests, whether they may see the record, the
evidence seen, the last day), list a patient's, and revoke one. Each is a guarded write or read
of the patient's record, on the ledger, as the caller."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field, StringConstraints

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Strict
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_clock import Requester

router = APIRouter(tags=["representatives"])
Who = Annotated[Caller, Depends(caller)]
Covered = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]


class AuthorityIn(Strict):
    relationship: Literal[Requester.PARENT, Requester.REPRESENTATIVE]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    """Where their sign-in codes go."""
    covers: list[Covered] = Field(min_length=1, max_length=12)
    """The requests they may make (``access``, ``rectification``...), and ``record`` to see it."""
    evidence: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    """The reference of the evidence seen (a birth certificate, an LPA number)."""
    valid_until: date


def _work(request: Request, who: Who) -> Representatives:
    return Representatives(store_of(request), who.actor)


@router.post(
    "/patients/{subject}/representatives",
    summary="Record who may act for the patient, and how far",
    status_code=201,
)
def record(request: Request, who: Who, subject: RecordId, given: AuthorityIn) -> Any:
    made = _work(request, who).record(
        subject, Requester(given.relationship), given.name, given.email, given.covers,
        given.evidence, given.valid_until,
    )  # fmt: skip
    return success(made)


@router.get("/patients/{subject}/representatives", summary="Who may act for the patient")
def for_patient(request: Request, who: Who, subject: RecordId) -> Any:
    return success(_work(request, who).for_patient(subject))


@router.post("/representatives/{authority_id}/revocation", summary="Revoke an authority now")
def revoke(request: Request, who: Who, authority_id: RecordId) -> Any:
    return success(_work(request, who).revoke(authority_id))

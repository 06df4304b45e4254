"""Fraud markers (S0-53): recorded with basis and evidence, reviewed by a second person, exempt
from access only by the DPO's recorded decision, challenged and withdrawn. Every route acts as
the caller through ``FraudMarkers``, so the guard decides and the ledger records each step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import StringConstraints

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Strict
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.fraud_markers import FraudMarkers, MarkerSource

router = APIRouter(tags=["fraud markers"])
Who = Annotated[Caller, Depends(caller)]
Said = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class MarkerIn(Strict):
    basis: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    """What false or inaccurate information was given."""
    evidence: Said
    """What shows it (at least 20 characters)."""
    source: MarkerSource = MarkerSource.STAFF


class MarkerReviewIn(Strict):
    confirm: bool
    note: Said


class MarkerReasonIn(Strict):
    reason: Said


class MarkerStatementIn(Strict):
    statement: Said


def _markers(request: Request, who: Who) -> FraudMarkers:
    return FraudMarkers(store_of(request), who.actor)


@router.post(
    "/patients/{subject}/fraud-markers", summary="Record a suspected fraud", status_code=201
)
def record(request: Request, who: Who, subject: RecordId, given: MarkerIn) -> Any:
    """A proposal until a second person reviews it; an automated flag is only ever that."""
    made = _markers(request, who).record(subject, given.basis, given.evidence, given.source)
    return success(made)


@router.get("/patients/{subject}/fraud-markers", summary="A patient's fraud markers")
def for_patient(
    request: Request,
    who: Who,
    subject: RecordId,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Any:
    return success(_markers(request, who).for_patient(subject, None, cursor, limit))


@router.get("/fraud-markers/{marker_id}", summary="One fraud marker")
def get(request: Request, who: Who, marker_id: RecordId) -> Any:
    return success(_markers(request, who).get(marker_id))


@router.post("/fraud-markers/{marker_id}/review", summary="Confirm or reject (a second person)")
def review(request: Request, who: Who, marker_id: RecordId, given: MarkerReviewIn) -> Any:
    return success(_markers(request, who).review(marker_id, given.confirm, given.note))


@router.post("/fraud-markers/{marker_id}/exemption", summary="Exempt from access (the DPO)")
def exempt(request: Request, who: Who, marker_id: RecordId, given: MarkerReasonIn) -> Any:
    """Telling the patient would be likely to prejudice preventing or detecting crime (DPA
    2018 Sch. 2 Pt 1 para 2): left out of their portal and access package until lifted."""
    return success(_markers(request, who).exempt(marker_id, given.reason))


@router.delete("/fraud-markers/{marker_id}/exemption", summary="Lift the exemption (the DPO)")
def lift(request: Request, who: Who, marker_id: RecordId) -> Any:
    return success(_markers(request, who).lift_exemption(marker_id))


@router.post("/fraud-markers/{marker_id}/challenge", summary="The patient's side, in their words")
def challenge(request: Request, who: Who, marker_id: RecordId, given: MarkerStatementIn) -> Any:
    return success(_markers(request, who).challenge(marker_id, given.statement))


@router.post("/fraud-markers/{marker_id}/withdrawal", summary="Withdraw a marker shown wrong")
def withdraw(request: Request, who: Who, marker_id: RecordId, given: MarkerReasonIn) -> Any:
    return success(_markers(request, who).withdraw(marker_id, given.reason))

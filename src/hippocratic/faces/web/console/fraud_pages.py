"""The console's forms for fraud markers (S0-53), on the patient's page: record a suspicion
with its basis and evidence, review someone else's (confirm or reject), record the patient's
challenge, withdraw a marker shown wrong, and, for the DPO, exempt one from access or lift the
exemption. Each acts through ``FraudMarkers``, as the API does, with the page's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.console.page import Staff, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.fraud_markers import FraudMarker, FraudMarkers

Said = Annotated[str, Form(max_length=5000)]


def _back(marker: FraudMarker) -> Response:
    return see_other(f"/console/patients/{marker.subject_id}#fraud")


def fraud_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/patients/{subject}/fraud-markers")
    def record(
        request: Request, who: Staff, subject: RecordId, basis: Said, evidence: Said
    ) -> Response:
        markers = FraudMarkers(store_of(request), who.actor)
        return _back(markers.record(subject, basis, evidence, request_id=who.request_id))

    @router.post("/fraud-markers/{marker_id}/review")
    def review(
        request: Request,
        who: Staff,
        marker_id: RecordId,
        decision: Annotated[str, Form(pattern="^(confirm|reject)$")],
        note: Said,
    ) -> Response:
        markers = FraudMarkers(store_of(request), who.actor)
        return _back(markers.review(marker_id, decision == "confirm", note))

    @router.post("/fraud-markers/{marker_id}/exemption")
    def exempt(request: Request, who: Staff, marker_id: RecordId, reason: Said) -> Response:
        return _back(FraudMarkers(store_of(request), who.actor).exempt(marker_id, reason))

    @router.post("/fraud-markers/{marker_id}/exemption/lift")
    def lift(request: Request, who: Staff, marker_id: RecordId) -> Response:
        return _back(FraudMarkers(store_of(request), who.actor).lift_exemption(marker_id))

    @router.post("/fraud-markers/{marker_id}/challenge")
    def challenge(request: Request, who: Staff, marker_id: RecordId, statement: Said) -> Response:
        return _back(FraudMarkers(store_of(request), who.actor).challenge(marker_id, statement))

    @router.post("/fraud-markers/{marker_id}/withdrawal")
    def withdraw(request: Request, who: Staff, marker_id: RecordId, reason: Said) -> Response:
        return _back(FraudMarkers(store_of(request), who.actor).withdraw(marker_id, reason))

    return router

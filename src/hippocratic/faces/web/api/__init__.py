"""The clinic's JSON API, ``/api/v1``: every route acts as the caller (a signed-in member of
staff or an API token) through the services, so the guard decides and the ledger records each
access; every answer is the one envelope. OpenAPI at ``/openapi.json``, docs at ``/api/docs``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api import (
    bookings,
    campaigns,
    consents,
    disclosures,
    fraud_markers,
    incidents,
    oversight,
    patients,
    representatives,
    rights,
)
from hippocratic.faces.web.identity import Caller, caller


def api_router() -> APIRouter:
    router = APIRouter()

    @router.get("/me", tags=["identity"], summary="Who the API takes you for")
    def me(who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
        session = who.session
        return success(
            {
                "organisation": who.actor.organisation,
                "actor": who.actor.actor,
                "role": who.actor.role,
                "display_name": session.display_name if session else None,
                "session_expires_at": session.expires_at if session else None,
            }
        )

    router.include_router(patients.router)
    router.include_router(bookings.router)
    router.include_router(oversight.router)
    router.include_router(consents.router)
    router.include_router(campaigns.router)
    router.include_router(rights.router)
    router.include_router(fraud_markers.router)
    router.include_router(incidents.router)
    router.include_router(disclosures.router)
    router.include_router(representatives.router)
    return router

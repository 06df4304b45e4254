"""Portal passkeys: a patient signed in adds one (``/portal/passkeys``) or removes it, and then
signs in with it alone from the sign-in page. The ceremonies are JSON, run by
``static/portal-passkey.js``; the sign-in ceremony's challenge is named by a cookie of its own,
and its answer is refused from another site (login CSRF) as the code's is."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import StringConstraints

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Strict
from hippocratic.faces.web.console.page import see_other
from hippocratic.faces.web.console.passkey_pages import CredentialId, party
from hippocratic.faces.web.console.sign_in_pages import same_origin
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.portal.page import (
    COOKIE,
    PRIVATE,
    SignedIn,
    forget_cookie,
    set_cookie,
)
from hippocratic.services import patient_passkey, patient_session

CEREMONY = "hippocratic_portal_passkey"
"""The cookie naming a passkey sign-in under way (five minutes)."""


class OrganisationIn(Strict):
    organisation: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CredentialIn(Strict):
    """What the browser's ceremony gave, as ``passkey.js`` sends it."""

    credential: dict[str, Any]
    label: Annotated[str, StringConstraints(max_length=120)] = ""


def passkey_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/portal/sign-in/passkey/options")
    def sign_in_options(request: Request, given: OrganisationIn) -> Response:
        same_origin(request)
        ceremony = patient_passkey.sign_in_options(
            store_of(request), given.organisation, party(request)
        )
        response = JSONResponse(success(json.loads(ceremony.options)), headers=PRIVATE)
        set_cookie(request, response, CEREMONY, ceremony.cookie, patient_passkey.CHALLENGE_FOR)
        return response

    @router.post("/portal/sign-in/passkey")
    def sign_in(request: Request, given: CredentialIn) -> Response:
        same_origin(request)
        started = patient_passkey.sign_in(
            store_of(request), request.cookies.get(CEREMONY), party(request),
            json.dumps(given.credential),
        )  # fmt: skip
        response = JSONResponse(success({"signed_in": True, "next": "/portal"}), headers=PRIVATE)
        set_cookie(request, response, COOKIE, started, patient_session.ABSOLUTE)
        forget_cookie(response, CEREMONY)
        return response

    @router.post("/portal/passkeys/options")
    def registration_options(request: Request, who: SignedIn) -> Response:
        options = patient_passkey.registration_options(
            store_of(request), request.cookies.get(COOKIE), party(request)
        )
        return JSONResponse(success(json.loads(options)), headers=PRIVATE)

    @router.post("/portal/passkeys")
    def register(request: Request, who: SignedIn, given: CredentialIn) -> Response:
        added = patient_passkey.register(
            store_of(request), request.cookies.get(COOKIE), party(request),
            json.dumps(given.credential), given.label,
        )  # fmt: skip
        return JSONResponse(success(added), status_code=201, headers=PRIVATE)

    @router.post("/portal/passkeys/{credential_id}/remove")
    def remove(request: Request, who: SignedIn, credential_id: CredentialId) -> Response:
        patient_passkey.remove(store_of(request), request.cookies.get(COOKIE), credential_id)
        return see_other("/portal?changed=passkey#passkeys")

    return router

"""Passkeys in the console: a signed-in member of staff adds (and removes) passkeys on
``/console/passkeys``; at sign-in, after the password, a passkey may stand for the
authenticator's code. The WebAuthn ceremonies run in ``/static/passkey.js``; these routes send
the options and check the answers (``services/passkey``), each call with the page's CSRF token
in ``X-CSRF-Token``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from hippocratic.errors import CsrfRejected, SignInRequired
from hippocratic.faces.envelope import success
from hippocratic.faces.web.console.page import Staff, render, see_other, set_session_cookie
from hippocratic.faces.web.console.sign_in_pages import pending_session, safe_next
from hippocratic.faces.web.identity import COOKIE, CSRF_HEADER, Caller, store_of
from hippocratic.services import passkey, staff_session
from hippocratic.services.passkey import RelyingParty

CredentialId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,1400}$")]


class Answer(BaseModel):
    """What the browser's ceremony gave, as ``passkey.js`` sends it."""

    model_config = ConfigDict(extra="forbid")
    credential: dict[str, Any]
    label: Annotated[str, Field(max_length=120)] = ""
    next: Annotated[str, Field(max_length=500)] = "/console/"


def party(request: Request) -> RelyingParty:
    return RelyingParty.of(f"{request.url.scheme}://{request.url.netloc}")


def _cookie(request: Request, who: Caller) -> str:
    """The console session's cookie: passkeys belong to a person signed in, not a token."""
    cookie = request.cookies.get(COOKIE)
    if who.session is None or cookie is None:
        raise SignInRequired("passkeys belong to a member of staff signed in to the console")
    return cookie


def _csrf(request: Request, who: staff_session.StaffSession) -> None:
    if not staff_session.check_csrf(who, request.headers.get(CSRF_HEADER)):
        raise CsrfRejected("this page is out of date, so nothing was done; reload it")


def passkey_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/passkeys")
    @router.get("/passkeys.json")
    def passkeys(request: Request, who: Staff) -> Response:
        keys = passkey.passkeys(store_of(request), _cookie(request, who))
        return render(templates, request, "console/passkeys.html", keys, who)

    @router.post("/passkeys/options")
    def registration_options(request: Request, who: Staff) -> Response:
        options = passkey.registration_options(
            store_of(request), _cookie(request, who), party(request)
        )
        return JSONResponse(success(json.loads(options)))

    @router.post("/passkeys", status_code=201)
    def register(request: Request, who: Staff, answer: Answer) -> Response:
        added = passkey.register(
            store_of(request),
            _cookie(request, who),
            party(request),
            json.dumps(answer.credential),
            answer.label,
        )
        return JSONResponse(success(added), status_code=201)

    @router.post("/passkeys/{credential_id}/remove")
    def remove(
        request: Request,
        who: Staff,
        credential_id: CredentialId,
    ) -> Response:
        passkey.remove(store_of(request), _cookie(request, who), credential_id)
        return see_other("/console/passkeys")

    @router.post("/second-factor/passkey/options")
    def sign_in_options(request: Request) -> Response:
        who = pending_session(request)
        _csrf(request, who)
        options = passkey.sign_in_options(store_of(request), request.cookies[COOKIE],
                                          party(request))  # fmt: skip
        return JSONResponse(success(json.loads(options)))

    @router.post("/second-factor/passkey")
    def sign_in_with_passkey(request: Request, answer: Answer) -> Response:
        who = pending_session(request)
        _csrf(request, who)
        renewed = passkey.second_factor(
            store_of(request), request.cookies[COOKIE], party(request),
            json.dumps(answer.credential),
        )  # fmt: skip
        response = JSONResponse(success({"next": safe_next(answer.next)}))
        set_session_cookie(request, response, renewed)
        return response

    return router

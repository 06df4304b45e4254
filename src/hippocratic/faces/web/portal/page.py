"""What every portal page shares: the signed-in patient (a form's CSRF token read before the
check), one way to render a page or its JSON twin (the same path with ``.json``, or ``Accept:
application/json``), and the cookies' attributes.

The portal has its own cookies, never the console's: a patient's session is looked up only
among patients' sessions and a member of staff's only among staff's, so neither ever stands
for the other, whichever cookie a browser sends where.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from hippocratic.errors import CsrfRejected, SignInRequired
from hippocratic.faces.envelope import success
from hippocratic.faces.web.console.page import LOCAL_HOSTS, see_other, wants_json
from hippocratic.faces.web.identity import CSRF_HEADER, SAFE_METHODS, request_id, store_of
from hippocratic.services import patient_session
from hippocratic.services.actor import Actor
from hippocratic.services.code_delivery import CodeTransports
from hippocratic.services.patient_session import PatientSession
from hippocratic.services.portal_records import LONDON

COOKIE = "hip_portal"
"""A patient's session: HttpOnly, SameSite=Strict, Secure off this machine."""
PENDING = "hip_portal_pending"
"""The sign-in under way, between asking for a code and typing it (ten minutes)."""
SIGN_IN = "/portal/sign-in"
PRIVATE = {"cache-control": "no-store"}
"""Portal pages hold personal data: no browser or proxy keeps a copy."""


@dataclass(frozen=True)
class Patient:
    session: PatientSession
    actor: Actor
    """The patient acting for themselves, with this request's id."""
    request_id: str

    @property
    def subject(self) -> str:
        return self.session.subject


def signed_in(request: Request) -> Patient | None:
    """The patient this request's portal cookie stands for, or None."""
    found = patient_session.authenticate(store_of(request), request.cookies.get(COOKIE))
    if found is None:
        return None
    rid = request_id(request)
    return Patient(found, replace(found.actor, request_id=rid), rid)


async def patient_caller(request: Request) -> Patient:
    """The dependency of every portal route that changes something: signed in, and the
    page's CSRF token (a form's hidden ``csrf`` field, or the ``X-CSRF-Token`` header)."""
    given = request.headers.get(CSRF_HEADER)
    if request.method not in SAFE_METHODS and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else given
    who = signed_in(request)
    if who is None:
        raise SignInRequired("please sign in again", hint=f"sign in at {SIGN_IN}")
    if request.method not in SAFE_METHODS and not patient_session.check_csrf(who.session, given):
        raise CsrfRejected(
            "this change did not carry the page's security token, so it was not made",
            hint="go back, reload the page and try again",
        )
    return who


SignedIn = Annotated[Patient, Depends(patient_caller)]


def to_sign_in(request: Request) -> Response:
    """Where someone not signed in goes: the sign-in page, or for a JSON client a 401."""
    if wants_json(request):
        raise SignInRequired("sign in first", hint=f"patients sign in at {SIGN_IN}")
    return see_other(SIGN_IN)


def render(
    templates: Jinja2Templates,
    request: Request,
    template: str,
    data: Any,
    who: Patient | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The page, or for a JSON client its twin: ``data`` in the one envelope; never cached."""
    if wants_json(request):
        return JSONResponse(success(data), status_code=status_code, headers=PRIVATE)
    csrf = who.session.csrf_token if who is not None else ""
    response = templates.TemplateResponse(
        request,
        template,
        {"data": data, "who": who, "csrf": csrf, "london": LONDON, **context},
        status_code=status_code,
    )
    response.headers.update(PRIVATE)
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, lasts: timedelta
) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure
    everywhere but on this machine; as the console's."""
    response.set_cookie(
        name,
        value,
        max_age=int(lasts.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.hostname not in LOCAL_HOSTS,
    )


def forget_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict")


def transports(request: Request) -> CodeTransports:
    """How sign-in codes are sent: as the app was given them (tests), else as the
    environment sets up, read once."""
    found: CodeTransports | None = getattr(request.app.state, "code_transports", None)
    if found is None:
        found = CodeTransports.from_environment()
        request.app.state.code_transports = found
    return found

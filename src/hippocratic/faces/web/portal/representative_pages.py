"""The portal for someone acting for a patient, ``/portal/for-someone``: a parent for a child,
or a representative whose authority staff recorded. They sign in with a code sent to the
email address recorded with their authority and the patient's date of birth, then see and do
only what the authority covers: the requests it lists, the record if it covers ``record``, and
the answers to their own requests. Every page has a JSON twin, every change a CSRF token, and
the session is a representative's, never the patient's (its own cookie and table).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from hippocratic.errors import AuthenticationFailed, CsrfRejected, InputError, SignInRequired
from hippocratic.faces.envelope import success
from hippocratic.faces.web.console.page import see_other, wants_json
from hippocratic.faces.web.console.sign_in_pages import same_origin
from hippocratic.faces.web.identity import CSRF_HEADER, SAFE_METHODS, store_of
from hippocratic.faces.web.portal.page import PRIVATE, forget_cookie, render, set_cookie, transports
from hippocratic.faces.web.portal.sign_in_pages import born
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services import patient_sign_in, representative_session, representative_sign_in
from hippocratic.services.access_formats import PackageFormat
from hippocratic.services.representative_portal import RepresentativePortal
from hippocratic.services.representative_session import RepresentativeSession

HOME = "/portal/for-someone"
SIGN_IN = f"{HOME}/sign-in"
CODE_PAGE = f"{SIGN_IN}/code"
COOKIE = "hip_representative"
PENDING = "hip_representative_pending"
SENT = (
    "If the details you gave match an authority we hold, we have sent a 6-digit code to the "
    "email address recorded with it. It works for 10 minutes."
)
Text = Annotated[str, Form(max_length=256)]
Part = Annotated[str, Form(max_length=8)]
Key = Annotated[str, Form(max_length=64, pattern=r"^[a-z0-9_]+$")]


def current(request: Request) -> RepresentativeSession | None:
    return representative_session.authenticate(store_of(request), request.cookies.get(COOKIE))


async def representative_caller(request: Request) -> RepresentativeSession:
    """Signed in as a representative, with the page's CSRF token on every change."""
    given = request.headers.get(CSRF_HEADER)
    if request.method not in SAFE_METHODS and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get("csrf")
        given = value if isinstance(value, str) else given
    who = current(request)
    if who is None:
        raise SignInRequired("please sign in again", hint=f"sign in at {SIGN_IN}")
    if request.method not in SAFE_METHODS and not representative_session.check_csrf(who, given):
        raise CsrfRejected("this change did not carry the page's security token, so it was "
                           "not made", hint="go back, reload the page and try again")  # fmt: skip
    return who


Acting = Annotated[RepresentativeSession, Depends(representative_caller)]


def _pending_csrf(request: Request) -> str:
    parsed = representative_session.parse(request.cookies.get(PENDING))
    return representative_session.csrf_for(parsed[1]) if parsed else ""


def representative_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request, name: str, data: object, status: int = 200, **more: object
    ) -> Response:
        return render(
            templates, request, name, data, None, status, sign_out_url=f"{HOME}/sign-out", **more
        )

    def first_page(request: Request, error: InputError | None = None) -> Response:
        store = store_of(request)
        with store.sessions() as session:
            names = {k: store.policy(session, k).organisation.display_name
                     for k in store.organisations(session)}  # fmt: skip
        data = {"organisations": names, "asks": ["contact", "date_of_birth"]}
        return page(request, "portal/representative_sign_in.html", data,
                    error.http_status if error else 200, error=error)  # fmt: skip

    @router.get(SIGN_IN)
    @router.get(f"{SIGN_IN}.json")
    def sign_in_page(request: Request) -> Response:
        return first_page(request)

    @router.post(SIGN_IN)
    def ask_for_code(
        request: Request,
        background: BackgroundTasks,
        organisation: Text,
        contact: Text,
        dob_day: Part = "",
        dob_month: Part = "",
        dob_year: Part = "",
        date_of_birth: Text = "",
    ) -> Response:
        same_origin(request)
        store = store_of(request)
        try:
            typed = born(date_of_birth, dob_day, dob_month, dob_year)
            asked = representative_sign_in.request_code(store, organisation, contact.strip(), typed)
        except InputError as bad:
            if wants_json(request):
                raise
            return first_page(request, bad)
        background.add_task(patient_sign_in.send, store, asked, transports(request))
        response: Response = see_other(CODE_PAGE)
        if wants_json(request):
            response = JSONResponse(success({"message": SENT, "next": CODE_PAGE}), headers=PRIVATE)
        set_cookie(request, response, PENDING, asked.cookie, patient_sign_in.LIFETIME)
        return response

    def code_page(request: Request, error: AuthenticationFailed | None = None) -> Response:
        csrf = _pending_csrf(request)
        return page(request, "portal/representative_code.html", {"message": SENT, "asks": ["code"]},
                    error.http_status if error else 200, error=error, csrf=csrf)  # fmt: skip

    @router.get(CODE_PAGE)
    def code_form(request: Request) -> Response:
        if request.cookies.get(PENDING) is None and not wants_json(request):
            return see_other(SIGN_IN)
        return code_page(request)

    @router.post(CODE_PAGE)
    def give_code(
        request: Request,
        code: Annotated[str, Form(max_length=20)],
        csrf: Annotated[str, Form(max_length=128)] = "",
    ) -> Response:
        same_origin(request)
        expected = _pending_csrf(request)
        given = csrf or request.headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(given, expected):
            raise CsrfRejected("this form is out of date, so it was not taken",
                               hint=f"start again at {SIGN_IN}")  # fmt: skip
        try:
            started = representative_sign_in.verify_code(
                store_of(request), request.cookies.get(PENDING), code
            )
        except AuthenticationFailed as failed:
            if wants_json(request):
                raise
            return code_page(request, failed)
        response: Response = see_other(HOME)
        if wants_json(request):
            response = JSONResponse(success({"signed_in": True, "next": HOME}), headers=PRIVATE)
        set_cookie(request, response, COOKIE, started, representative_session.ABSOLUTE)
        forget_cookie(response, PENDING)
        return response

    @router.get(HOME)
    @router.get(f"{HOME}.json")
    def home(
        request: Request,
        older: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        changed: Annotated[str, Query(max_length=16)] = "",
    ) -> Response:
        who = current(request)
        if who is None:
            if wants_json(request):
                raise SignInRequired("sign in first", hint=f"sign in at {SIGN_IN}")
            return see_other(SIGN_IN)
        data = RepresentativePortal(store_of(request), who).home(older)
        return render(templates, request, "portal/representative.html", data, None,
                      sign_out_url=f"{HOME}/sign-out", csrf=who.csrf_token, signed=True,
                      changed=changed == "request")  # fmt: skip

    @router.post(f"{HOME}/requests")
    def make_request(
        request: Request,
        who: Acting,
        right: Key,
        detail: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        made = RepresentativePortal(store_of(request), who).ask(right, detail)
        if wants_json(request):
            return JSONResponse(success(made), status_code=201, headers=PRIVATE)
        return see_other(f"{HOME}?changed=request#requests")

    @router.get(f"{HOME}/requests/{{request_id}}/package")
    def package(
        request: Request,
        who: Acting,
        request_id: RecordId,
        format: Annotated[PackageFormat, Query()] = PackageFormat.HTML,
    ) -> Response:
        rendered = RepresentativePortal(store_of(request), who).download(request_id, format)
        how = "inline" if format is PackageFormat.HTML else "attachment"
        return Response(
            rendered.content,
            media_type=rendered.media_type,
            headers={**PRIVATE, "Content-Disposition": f'{how}; filename="{rendered.filename}"'},
        )

    @router.post(f"{HOME}/sign-out")
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
        who = current(request)
        given = csrf or request.headers.get(CSRF_HEADER)
        if who is not None and not representative_session.check_csrf(who, given):
            raise CsrfRejected("this form is out of date, so it was not taken")
        representative_session.sign_out(store_of(request), request.cookies.get(COOKIE))
        response: Response = see_other(f"{SIGN_IN}?signed_out=1")
        if wants_json(request):
            response = JSONResponse(success({"signed_out": True}), headers=PRIVATE)
        forget_cookie(response, COOKIE)
        return response

    return router

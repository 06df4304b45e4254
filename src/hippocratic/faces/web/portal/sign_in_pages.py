"""Signing in to the portal: the email address or mobile number on your record and your date
of birth; then the code we sent there; then your record. Signing out ends the session on the
server, not only in the browser.

Asking for a code always gets the same answer, and the code is sent after that answer has
gone, so neither the words nor the time taken say whether anyone matched. The code is never
in a page, a JSON answer or a log.
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from hippocratic.errors import AuthenticationFailed, CsrfRejected, InputError
from hippocratic.faces.envelope import success
from hippocratic.faces.web.console.page import see_other, wants_json
from hippocratic.faces.web.console.sign_in_pages import same_origin
from hippocratic.faces.web.identity import CSRF_HEADER, store_of
from hippocratic.faces.web.portal.page import (
    COOKIE,
    PENDING,
    PRIVATE,
    SIGN_IN,
    forget_cookie,
    render,
    set_cookie,
    signed_in,
    transports,
)
from hippocratic.services import patient_session, patient_sign_in

Text = Annotated[str, Form(max_length=256)]
Part = Annotated[str, Form(max_length=8)]
SENT = (
    "If the details you gave match our records, we have sent a 6-digit code to the email "
    "address or mobile number we hold for you. It works for 10 minutes."
)
CODE_PAGE = f"{SIGN_IN}/code"


def born(date_of_birth: str, day: str, month: str, year: str) -> str:
    """The date of birth as typed: one ``YYYY-MM-DD`` value, or day, month and year boxes."""
    if date_of_birth.strip() or not (day or month or year):
        return date_of_birth
    if not all(re.fullmatch(r"\d{1,4}", part.strip()) for part in (day, month, year)):
        raise InputError(
            "write your date of birth in numbers",
            field="date_of_birth",
            hint="for example 27 3 1985",
        )
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def pending_csrf(request: Request) -> str:
    """The code form's token: derived from the sign-in under way, as a session's is."""
    parsed = patient_session.parse(request.cookies.get(PENDING))
    return patient_session.csrf_for(parsed[1]) if parsed else ""


def sign_in_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def organisations(request: Request) -> dict[str, str]:
        store = store_of(request)
        with store.sessions() as session:
            return {
                key: store.policy(session, key).organisation.display_name
                for key in store.organisations(session)
            }

    def first_page(request: Request, error: InputError | None = None) -> Response:
        data = {"organisations": organisations(request), "asks": ["contact", "date_of_birth"]}
        status = error.http_status if error else 200
        return render(templates, request, "portal/sign_in.html", data, None, status, error=error)

    @router.get("/portal/sign-in")
    @router.get("/portal/sign-in.json")
    def sign_in_page(request: Request) -> Response:
        if signed_in(request) is not None and not wants_json(request):
            return see_other("/portal")
        return first_page(request)

    @router.post("/portal/sign-in")
    def ask_for_code(
        request: Request,
        background: BackgroundTasks,
        organisation: Text,
        contact: Text,
        date_of_birth: Text = "",
        dob_day: Part = "",
        dob_month: Part = "",
        dob_year: Part = "",
    ) -> Response:
        same_origin(request)
        store = store_of(request)
        try:
            typed = born(date_of_birth, dob_day, dob_month, dob_year)
            asked = patient_sign_in.request_code(store, organisation, contact.strip(), typed)
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
        data = {"message": SENT, "asks": ["code"], "csrf": pending_csrf(request)}
        status = error.http_status if error else 200
        return render(
            templates, request, "portal/code.html", data, None, status,
            error=error, csrf=pending_csrf(request),
        )  # fmt: skip

    @router.get("/portal/sign-in/code")
    @router.get("/portal/sign-in/code.json")
    def code_form(request: Request) -> Response:
        if request.cookies.get(PENDING) is None and not wants_json(request):
            return see_other(SIGN_IN)
        return code_page(request)

    @router.post("/portal/sign-in/code")
    def give_code(
        request: Request,
        code: Annotated[str, Form(max_length=20)],
        csrf: Annotated[str, Form(max_length=128)] = "",
    ) -> Response:
        same_origin(request)
        given = csrf or request.headers.get(CSRF_HEADER, "")
        expected = pending_csrf(request)
        if not expected or not hmac.compare_digest(given, expected):
            raise CsrfRejected(
                "this form is out of date, so it was not taken", hint=f"start again at {SIGN_IN}"
            )
        try:
            started = patient_sign_in.verify_code(
                store_of(request), request.cookies.get(PENDING), code
            )
        except AuthenticationFailed as failed:
            if wants_json(request):
                raise
            return code_page(request, failed)
        response: Response = see_other("/portal")
        if wants_json(request):
            response = JSONResponse(success({"signed_in": True, "next": "/portal"}))
        set_cookie(request, response, COOKIE, started, patient_session.ABSOLUTE)
        forget_cookie(response, PENDING)
        return response

    @router.post("/portal/sign-out")
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
        """Ends the session on the server; with no session left, just forgets the cookie."""
        who = signed_in(request)
        given = csrf or request.headers.get(CSRF_HEADER)
        if who is not None and not patient_session.check_csrf(who.session, given):
            raise CsrfRejected("this form is out of date, so it was not taken")
        patient_session.sign_out(store_of(request), request.cookies.get(COOKIE))
        response: Response = see_other(f"{SIGN_IN}?signed_out=1")
        if wants_json(request):
            response = JSONResponse(success({"signed_out": True}), headers=PRIVATE)
        forget_cookie(response, COOKIE)
        return response

    return router

"""Signing in to the console: organisation, username and password; then the authenticator's
code (or, the first time, enrolling one from a QR code); then the page asked for. Signing out
ends the session on the server, not only in the browser."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import AuthenticationFailed, CsrfRejected, SignInRequired
from hippocratic.faces.web.console.page import see_other, set_session_cookie
from hippocratic.faces.web.identity import COOKIE, store_of
from hippocratic.services import access_log, passkey, sign_in, staff_session

Text = Annotated[str, Form(max_length=256)]


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if not target or not target.startswith("/console") or urlsplit(target).netloc:
        return "/console/"
    return target


def same_origin(request: Request) -> None:
    """A sign-in form posted from another site is refused (login CSRF). Browsers say where a
    request comes from in ``Sec-Fetch-Site``; older ones only in ``Origin`` (``null`` from an
    opaque origin, which is refused too)."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        foreign = site not in ("same-origin", "none")
    else:
        foreign = bool(origin) and urlsplit(origin or "").netloc != request.url.netloc
    if foreign:
        raise CsrfRejected("this form was sent from another site, so it was not taken")


def pending_session(request: Request) -> staff_session.StaffSession:
    """The session of someone between their password and their second factor (or past it)."""
    found = staff_session.authenticate(
        store_of(request), request.cookies.get(COOKIE), require_second_factor=False
    )
    if found is None:
        raise SignInRequired("sign in again", hint="your sign-in expired or was ended")
    return found


def sign_in_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def form_page(
        request: Request, error: AuthenticationFailed | None = None, status: int = 200
    ) -> Response:
        store = store_of(request)
        with store.sessions() as session:
            organisations = {
                key: store.policy(session, key).organisation.display_name
                for key in store.organisations(session)
            }
        context = {
            "organisations": organisations,
            "error": error,
            "next": safe_next(request.query_params.get("next")),
        }
        return templates.TemplateResponse(
            request, "console/sign_in.html", context, status_code=status
        )

    @router.get("/sign-in")
    def sign_in_page(request: Request) -> Response:
        if staff_session.authenticate(store_of(request), request.cookies.get(COOKIE)):
            return see_other(safe_next(request.query_params.get("next")))
        return form_page(request)

    @router.post("/sign-in")
    def sign_in_post(
        request: Request,
        organisation: Text,
        username: Text,
        password: Text,
        next: Annotated[str, Form(max_length=500)] = "/console/",
    ) -> Response:
        same_origin(request)
        store, address = store_of(request), request.client.host if request.client else None
        try:
            step = sign_in.password(store, organisation, username.strip(), password)
        except AuthenticationFailed as failed:
            access_log.record(store, organisation, address, username.strip(), "failed")
            return form_page(request, failed, failed.http_status)
        access_log.record(store, organisation, address, username.strip(), "password_ok")
        target = "/console/enrol" if step.needs == "enrol" else "/console/second-factor"
        response = see_other(f"{target}?next={safe_next(next)}")
        set_session_cookie(request, response, step.cookie)
        return response

    def code_page(request: Request, enrol: bool, error: Exception | None = None) -> Response:
        who = pending_session(request)
        if who.second_factor_done:
            return see_other(safe_next(request.query_params.get("next")))
        context = {
            "who": who,
            "csrf": who.csrf_token,
            "error": error,
            "next": safe_next(request.query_params.get("next")),
            "enrolment": sign_in.enrolment(store_of(request), request.cookies[COOKIE])
            if enrol
            else None,
            "passkey": not enrol
            and passkey.has_passkey(store_of(request), request.cookies[COOKIE]),
        }
        return templates.TemplateResponse(
            request,
            "console/second_factor.html",
            context,
            status_code=401 if error else 200,
        )

    @router.get("/enrol")
    def enrol_page(request: Request) -> Response:
        return code_page(request, enrol=True)

    @router.get("/second-factor")
    def second_factor_page(request: Request) -> Response:
        return code_page(request, enrol=False)

    @router.post("/second-factor")
    def second_factor_post(
        request: Request,
        code: Annotated[str, Form(max_length=20)],
        csrf: Annotated[str, Form(max_length=128)],
        enrolling: Annotated[bool, Form()] = False,
        next: Annotated[str, Form(max_length=500)] = "/console/",
    ) -> Response:
        who = pending_session(request)
        if not staff_session.check_csrf(who, csrf):
            raise CsrfRejected("this form is out of date, so it was not taken")
        try:
            renewed = sign_in.second_factor(store_of(request), request.cookies[COOKIE], code)
        except AuthenticationFailed as failed:
            if isinstance(failed, SignInRequired):
                raise
            return code_page(request, enrol=enrolling, error=failed)
        response = see_other(safe_next(next))
        set_session_cookie(request, response, renewed)
        return response

    @router.post("/sign-out")
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=128)]) -> Response:
        store = store_of(request)
        cookie = request.cookies.get(COOKIE)
        who = staff_session.authenticate(store, cookie, require_second_factor=False)
        if who is not None and not staff_session.check_csrf(who, csrf):
            raise CsrfRejected("this form is out of date, so it was not taken")
        staff_session.sign_out(store, cookie)
        response = see_other("/console/sign-in")
        response.delete_cookie(COOKIE, path="/")
        return response

    return router

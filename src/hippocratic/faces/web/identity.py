"""Who is calling the web app: a member of staff signed in to the console (the session
cookie, with the CSRF token on anything that changes data) or an integration with an API token
(``Authorization: Bearer hip_…``). Both become the ``Actor`` every service acts as; a caller
who is neither gets 401 and nothing else."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace

from fastapi import Request

from hippocratic.errors import CsrfRejected, SignInRequired
from hippocratic.services import api_token, staff_session
from hippocratic.services.actor import Actor
from hippocratic.services.staff_session import StaffSession
from hippocratic.services.store import Store

COOKIE = "hip_session"
"""The staff session cookie: HttpOnly, SameSite=Strict, Secure off localhost."""
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


@dataclass(frozen=True)
class Caller:
    actor: Actor
    session: StaffSession | None
    """The console session, when a person (not a token) is calling."""
    request_id: str


def store_of(request: Request) -> Store:
    store: Store | None = request.app.state.store
    assert store is not None, "the clinic routes are mounted only with a store"
    return store


def request_id(request: Request) -> str:
    """The caller's ``X-Request-ID`` when it is a sane one, else a new one; it is echoed on
    the response and written on every audit event of the request."""
    known: str | None = getattr(request.state, "request_id", None)
    if known is not None:
        return known
    given = request.headers.get("x-request-id", "")
    chosen = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    request.state.request_id = chosen
    return chosen


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value else None


def caller(request: Request) -> Caller:
    """The FastAPI dependency of every clinic route."""
    store = store_of(request)
    rid = request_id(request)
    token = bearer(request)
    if token is not None:
        actor = api_token.authenticate(store, token)
        if actor is None:
            raise SignInRequired(
                "this API token is not valid: unknown, revoked or mistyped",
                hint="ask the DPO for a token: `hippocratic token issue`",
            )
        return Caller(replace(actor, request_id=rid), None, rid)
    session = staff_session.authenticate(store, request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired(
            "sign in first",
            hint="staff sign in at /console/sign-in; integrations send an API token",
        )
    if request.method not in SAFE_METHODS and not staff_session.check_csrf(
        session, request.headers.get(CSRF_HEADER) or _form_csrf(request)
    ):
        raise CsrfRejected(
            "this change did not carry the page's CSRF token, so it was not made",
            hint="reload the page and try again",
        )
    return Caller(replace(session.actor, request_id=rid), session, rid)


def _form_csrf(request: Request) -> str | None:
    """The token a console form carries, read by the form dependency before this runs."""
    value: str | None = getattr(request.state, "form_csrf", None)
    return value

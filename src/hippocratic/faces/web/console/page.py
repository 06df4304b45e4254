"""What every console page shares: the signed-in member of staff (a form's CSRF token read
before the check), one way to render a page or its JSON twin (the same path with ``.json``, or
``Accept: application/json``), and the session cookie's attributes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from hippocratic.faces.envelope import success
from hippocratic.faces.web.identity import COOKIE, SAFE_METHODS, Caller, caller, store_of
from hippocratic.services.staff_session import ABSOLUTE

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})


async def form_caller(request: Request) -> Caller:
    """``caller`` for the console: a form's hidden ``csrf`` field stands for the header."""
    if request.method not in SAFE_METHODS and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf")
        request.state.form_csrf = value if isinstance(value, str) else None
    return caller(request)


Staff = Annotated[Caller, Depends(form_caller)]


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.headers.get("accept", "").startswith(
        "application/json"
    )


def render(
    templates: Jinja2Templates,
    request: Request,
    template: str,
    data: Any,
    who: Caller | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The page, or for a JSON client its twin: ``data`` in the one envelope."""
    if wants_json(request):
        return JSONResponse(success(data), status_code=status_code)
    kept: list[str] = []
    dpo = False
    if who is not None:
        policy = store_of(request).policy_of(who.actor.organisation)
        kept = [kind for kind, binding in policy.records if binding is not None]
        role = policy.role_by_key.get(who.actor.role)
        dpo = role is not None and role.dpo
    return templates.TemplateResponse(
        request,
        template,
        {"data": data, "who": who, "csrf": who.session.csrf_token if who and who.session else "",
         "kept": kept, "dpo": dpo, **context},
        status_code=status_code,
    )  # fmt: skip


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure
    everywhere but on this machine."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.hostname not in LOCAL_HOSTS,
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)

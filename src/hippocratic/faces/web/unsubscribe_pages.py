"""The unsubscribe link in every message, for the patient, with no sign-in (S0-13, S1-17).

``GET /unsubscribe/{token}`` asks once, with a single button (so a mail scanner that follows
links unsubscribes nobody); ``POST`` unsubscribes at once, whether from that button or from
a mail client's one-click unsubscribe (RFC 8058 sends ``List-Unsubscribe=One-Click``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.console.page import render
from hippocratic.faces.web.identity import store_of
from hippocratic.services import unsubscribe as links

Token = Annotated[str, Path(max_length=600, pattern=r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")]


def unsubscribe_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/unsubscribe/{token}")
    def ask(request: Request, token: Token) -> Response:
        link = links.read(store_of(request), token)
        policy = store_of(request).policy_of(link.organisation)
        title = policy.purpose_by_key[link.purpose].title
        return render(
            templates, request, "unsubscribe.html",
            {"done": False, "channel": link.channel, "purpose_title": title},
            organisation=policy.organisation.display_name, token=token,
        )  # fmt: skip

    @router.post("/unsubscribe/{token}")
    def confirm(request: Request, token: Token) -> Response:
        done = links.unsubscribe(store_of(request), token)
        return render(
            templates, request, "unsubscribe.html",
            {"done": True, "channel": done.channel, "purpose_title": done.purpose_title},
            organisation=done.organisation_name, token=token,
        )  # fmt: skip

    return router

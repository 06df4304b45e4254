"""The public enquiry form, ``/{org}/enquiry`` (JSON twin ``/{org}/enquiry.json``): it works
with cookies off (S0-102). The page sets none and the submission needs none: it is checked by
its ``Origin`` (a browser names the page's site on every form it posts), and what was shown is
carried in the form itself (the notice version). A submission opens an enquiry case through
the guard (``services.web_enquiry``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import CsrfRejected, InputError, NotFound
from hippocratic.faces.envelope import success
from hippocratic.services.store import Store
from hippocratic.services.web_enquiry import EnquiryForm, enquiry_form, submit_enquiry


def enquiry_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def form_of(request: Request, org: str) -> tuple[Store, EnquiryForm]:
        store: Store | None = request.app.state.store
        if store is None:
            raise NotFound("this server takes no enquiries: it serves notices only")
        with store.sessions() as session:
            if org not in store.organisations(session):
                raise NotFound(f"no organisation {org!r}", field="org")
        return store, enquiry_form(store.policy_of(org))

    def render(
        request: Request,
        form: EnquiryForm,
        status: int = 200,
        values: dict[str, list[str]] | None = None,
        error: InputError | None = None,
        sent: Any = None,
    ) -> HTMLResponse:
        context = {"form": form, "values": values or {}, "error": error, "sent": sent}
        response = templates.TemplateResponse(
            request, "site/enquiry.html", context, status_code=status
        )
        response.headers["cache-control"] = "no-store"
        return response

    @router.get("/{org}/enquiry", response_class=HTMLResponse)
    def page(request: Request, org: str) -> HTMLResponse:
        _, form = form_of(request, org)
        return render(request, form)

    @router.get("/{org}/enquiry.json")
    def twin(request: Request, org: str) -> dict[str, Any]:
        _, form = form_of(request, org)
        return success(form)

    @router.post("/{org}/enquiry")
    async def submit(request: Request, org: str) -> Response:
        store, form = form_of(request, org)
        _same_site(request)
        body = (await request.body()).decode("utf-8", errors="replace")
        sent = parse_qs(body, keep_blank_values=True)
        notice_version = (sent.pop("notice_version", [""]) or [""])[0]
        values: dict[str, str | list[str]] = {
            key: items if key == form.marketing_field else items[0] for key, items in sent.items()
        }
        wants_json = "json" in request.headers.get("accept", "")
        try:
            case = submit_enquiry(store, org, values, notice_version)
        except InputError as problem:
            if wants_json:
                raise
            return render(request, form, problem.http_status, sent, problem)
        if wants_json:
            data = {"case": case.case_id, "received_at": case.received_at}
            return JSONResponse(success(data), status_code=201)
        return render(request, form, 201, sent=case)

    return router


def _same_site(request: Request) -> None:
    """A form posted from another site is refused: browsers name the page that posted it in
    ``Origin`` (no cookie needed for the check). A client that sends none (curl, an old
    browser) is not a cross-site form."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfRejected(
            "this form was sent from another website, so it was not accepted",
            hint="send the enquiry from the clinic's own enquiry page",
        )

"""The portal's home, ``/portal``: the patient's record, appointments and other records, their
consents with one button each to agree or withdraw, who accessed their record and why, and
their requests with the date each is due, with a form to make one. Each change is a form with
the page's CSRF token, acting through the same services as the console, as the patient.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from hippocratic.errors import InputError
from hippocratic.faces.envelope import success
from hippocratic.faces.web.console.page import see_other, wants_json
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.portal.page import (
    COOKIE,
    PRIVATE,
    SignedIn,
    render,
    signed_in,
    to_sign_in,
)
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services import patient_passkey
from hippocratic.services.access_formats import PackageFormat
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.fraud_markers import FraudMarkers
from hippocratic.services.patient_portal import PatientPortal
from hippocratic.services.rights_letters import LetterKind, RightsLetters

Key = Annotated[str, Form(max_length=64, pattern=r"^[a-z0-9_]+$")]
Words = Annotated[str, Form(max_length=20_000)]
CHANGED = {
    "agreed": "Thank you. We have saved your choice: it counts from now.",
    "withdrawn": "We have saved your choice. We will stop at once.",
    "request": "We have your request. You can see it below, with the date it is due.",
    "passkey": "We have removed that passkey: it no longer signs you in.",
    "challenged": "Thank you. We have kept what you told us with the record, and a person will "
    "look at it again.",
}


def record_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/portal")
    @router.get("/portal.json")
    def home(
        request: Request,
        older: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        changed: Annotated[str, Query(max_length=16)] = "",
    ) -> Response:
        who = signed_in(request)
        if who is None:
            return to_sign_in(request)
        portal = PatientPortal(store_of(request), who.actor)
        data = portal.home(who.subject, older)
        keys = patient_passkey.passkeys(store_of(request), request.cookies.get(COOKIE))
        return render(
            templates, request, "portal/home.html", data, who,
            changed=CHANGED.get(changed), expires_at=who.session.expires_at, passkeys=keys,
        )  # fmt: skip

    @router.post("/portal/consents")
    def consent(
        request: Request,
        who: SignedIn,
        purpose: Key,
        decision: Annotated[str, Form(pattern="^(agree|withdraw)$")],
        channel: Annotated[str, Form(max_length=16)] = "",
        wording: Words = "",
        notice_version: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        portal = PatientPortal(store_of(request), who.actor)
        if decision == "agree":
            if not wording:
                raise InputError("agree to the words shown on the page", field="wording")
            portal.agree(who.subject, purpose, channel or None, wording, notice_version or None)
        else:
            portal.withdraw(who.subject, purpose, channel or None)
        if wants_json(request):
            return JSONResponse(success(portal.consents(who.subject)), headers=PRIVATE)
        done = "agreed" if decision == "agree" else "withdrawn"
        return see_other(f"/portal?changed={done}#consents")

    @router.post("/portal/requests")
    def make_request(
        request: Request,
        who: SignedIn,
        right: Key,
        detail: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        made = PatientPortal(store_of(request), who.actor).ask(who.subject, right, detail)
        if wants_json(request):
            return JSONResponse(success(made), status_code=201, headers=PRIVATE)
        return see_other("/portal?changed=request#requests")

    @router.post("/portal/fraud-markers/{marker_id}/challenge")
    def challenge(
        request: Request,
        who: SignedIn,
        marker_id: RecordId,
        statement: Annotated[str, Form(max_length=5000)],
    ) -> Response:
        """The patient puts their side of a fraud marker on the record, in their words."""
        marker = FraudMarkers(store_of(request), who.actor).challenge(marker_id, statement)
        if wants_json(request):
            mine = {"marker_id": marker_id, "challenged_at": marker.challenged_at}
            return JSONResponse(success(mine), headers=PRIVATE)
        return see_other("/portal?changed=challenged#fraud_marker")

    @router.get("/portal/requests/{request_id}/package")
    def package(
        request: Request,
        who: SignedIn,
        request_id: RecordId,
        format: Annotated[PackageFormat, Query()] = PackageFormat.HTML,
    ) -> Response:
        """The patient's released information, in the format they choose; each download is
        an audited read, and nothing is shown before a second person checked it."""
        rendered = AccessRelease(store_of(request), who.actor).download(request_id, format)
        how = "inline" if format is PackageFormat.HTML else "attachment"
        return Response(
            rendered.content,
            media_type=rendered.media_type,
            headers={**PRIVATE, "Content-Disposition": f'{how}; filename="{rendered.filename}"'},
        )

    @router.get("/portal/requests/{request_id}/letters/{kind}")
    def letter(
        request: Request,
        who: SignedIn,
        request_id: RecordId,
        kind: LetterKind,
        pdf: Annotated[bool, Query()] = False,
    ) -> Response:
        rendered = RightsLetters(store_of(request), who.actor).letter(request_id, kind, as_pdf=pdf)
        return Response(rendered.content, media_type=rendered.media_type, headers=PRIVATE)

    return router

"""The console's disclosures: the "disclose to…" form on the patient's page, which goes through
the sharing rules and the guard as the API does, and the DPO's list of Art. 19 notices owed to
recipients (``/console/art19-notices``, with its JSON twin), each marked sent once it has gone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import InputError
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.art19_notices import Art19Notices
from hippocratic.services.disclosure_gate import Channel, Disclose
from hippocratic.services.disclosures import Disclosures

Key = Annotated[str, Form(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Said = Annotated[str, Form(max_length=5000)]
Moment = Annotated[str, Form(max_length=40)]
LONDON = ZoneInfo("Europe/London")


def _moment(value: str, field: str) -> datetime | None:
    """A moment from a form (``datetime-local`` is UK time without an offset)."""
    if not value.strip():
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{field} is not a date and time", field=field) from None
    if found.utcoffset() is None:
        found = found.replace(tzinfo=LONDON)
    return found


def disclosure_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/patients/{subject}/disclosures")
    def disclose(
        request: Request,
        who: Staff,
        subject: RecordId,
        recipient: Key,
        purpose: Key,
        channel: Annotated[Channel, Form()],
        fields: Annotated[list[str], Form(max_length=100)],
        party: Annotated[str, Form(max_length=200)] = "",
        referral: Annotated[str, Form(max_length=36)] = "",
        patient_told_at: Moment = "",
        exemption: Said = "",
        agreed_at: Moment = "",
        justification: Said = "",
    ) -> Response:
        ask = Disclose(
            recipient,
            purpose,
            tuple(fields),
            channel,
            party or None,
            referral or None,
            _moment(patient_told_at, "patient_told_at"),
            exemption or None,
            _moment(agreed_at, "agreed_at"),
            justification or None,
        )
        Disclosures(store_of(request), who.actor).disclose(subject, ask, who.request_id)
        return see_other(f"/console/patients/{subject}#disclosures")

    @router.get("/art19-notices")
    @router.get("/art19-notices.json")
    def notices(request: Request, who: Staff, all: bool = False) -> Response:
        service = Art19Notices(store_of(request), who.actor)
        shown = service.queue(not all)
        return render(
            templates, request, "console/art19_notices.html", shown, who, every=all,
            titles=service.compiled.title,
        )  # fmt: skip

    @router.post("/art19-notices/{notice_id}/sent")
    def sent(request: Request, who: Staff, notice_id: RecordId) -> Response:
        Art19Notices(store_of(request), who.actor).mark_sent(notice_id)
        return see_other("/console/art19-notices")

    return router

"""The console's record of who may act for a patient: a form on the patient's page to record
a parent's or a representative's authority (who, the email address their codes go to, which
requests, whether they may see the record, the evidence seen, the last day), and a button to
revoke one. Both act through the same service as the API, with the page's CSRF token."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import InputError
from hippocratic.faces.web.console.page import Staff, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_clock import Requester

Text = Annotated[str, Form(max_length=500)]


def _relationship(value: str) -> Requester:
    if value not in (Requester.PARENT.value, Requester.REPRESENTATIVE.value):
        raise InputError("a parent or a representative", field="relationship")
    return Requester(value)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError("give the last day as a date", field="valid_until") from None


def representative_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/patients/{subject}/representatives")
    def record(
        request: Request,
        who: Staff,
        subject: RecordId,
        relationship: Annotated[str, Form(max_length=16)],
        name: Text,
        email: Text,
        evidence: Text,
        valid_until: Annotated[str, Form(max_length=10)],
        covers: Annotated[list[str], Form(max_length=12)],
    ) -> Response:
        Representatives(store_of(request), who.actor).record(
            subject, _relationship(relationship), name, email, covers, evidence, _day(valid_until)
        )
        return see_other(f"/console/patients/{subject}#representatives")

    @router.post("/representatives/{authority_id}/revocation")
    def revoke(request: Request, who: Staff, authority_id: RecordId) -> Response:
        made = Representatives(store_of(request), who.actor).revoke(authority_id)
        return see_other(f"/console/patients/{made.subject_id}#representatives")

    return router

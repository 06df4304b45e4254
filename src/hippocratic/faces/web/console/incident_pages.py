"""The console's breach register: anyone on staff reports an incident; the DPO sees the register
with each clock's time left (overdue first), assesses with the reasoning, sees the affected
patients computed from the logs, drafts and sends the ICO report in phases, drafts the letters
to patients, closes the incident, and reviews access anomalies. Each page has its JSON twin,
each form acts through the same services as the API, with the page's CSRF token."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.domain.breach_deadline import LONDON
from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.errors import InputError
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.console.patient_pages import section
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.access_anomalies import AccessAnomalies
from hippocratic.services.affected_patients import Scope
from hippocratic.services.incident_reports import IncidentReports
from hippocratic.services.incident_team import IncidentTeam
from hippocratic.services.oversight import is_dpo

Said = Annotated[str, Form(max_length=5000)]
Optional = Annotated[str, Form(max_length=200)]


def _moment(value: str) -> datetime | None:
    """A form's ``datetime-local`` value, as London time; blank as absent."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date and time", field="when") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def incident_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/incidents")
    @router.get("/incidents.json")
    def register(request: Request, who: Staff) -> Response:
        store = store_of(request)
        data = {
            "register": section(lambda: IncidentReports(store, who.actor).register()),
            "anomalies": section(lambda: AccessAnomalies(store, who.actor).queue()),
        }
        return render(templates, request, "console/incidents.html", data, who)

    @router.post("/incidents")
    def report(
        request: Request,
        who: Staff,
        description: Said,
        aware_at: Optional = "",
        window_start: Optional = "",
        window_end: Optional = "",
        actor: Optional = "",
    ) -> Response:
        scope = Scope(_moment(window_start), _moment(window_end), actor.strip() or None)
        made = IncidentReports(store_of(request), who.actor).report(
            description, _moment(aware_at), scope
        )
        return see_other(f"/console/incidents/{made.incident_id}")

    @router.get("/incidents/{incident_id}")
    @router.get("/incidents/{incident_id}.json")
    def incident(request: Request, who: Staff, incident_id: RecordId) -> Response:
        incidents = IncidentReports(store_of(request), who.actor)
        shown = incidents.get(incident_id)
        data = {
            "incident": shown,
            "affected": section(lambda: incidents.affected(incident_id))
            if shown.scope.bounded or shown.release is not None
            else {"shown": None, "refused": None},
            "reports": section(lambda: incidents.report_phases(incident_id)),
            "team": IncidentTeam(store_of(request), who.actor).members()
            if is_dpo(incidents) and shown.owner is None
            else [],
        }
        return render(templates, request, "console/incident.html", data, who)

    @router.post("/incidents/{incident_id}/decisions")
    def decide(
        request: Request,
        who: Staff,
        incident_id: RecordId,
        breach: Annotated[BreachFinding, Form()],
        assessment: Annotated[RiskLevel, Form()],
        reason: Said,
        encryption_exception: Annotated[bool, Form()] = False,
    ) -> Response:
        IncidentReports(store_of(request), who.actor).decide(
            incident_id, breach, assessment, reason, encryption_exception=encryption_exception
        )
        return see_other(f"/console/incidents/{incident_id}")

    @router.post("/incidents/{incident_id}/owner")
    def assign(request: Request, who: Staff, incident_id: RecordId, owner: Optional) -> Response:
        IncidentReports(store_of(request), who.actor).assign(incident_id, owner)
        return see_other(f"/console/incidents/{incident_id}")

    @router.post("/incidents/{incident_id}/reports")
    def draft_report(
        request: Request,
        who: Staff,
        incident_id: RecordId,
        nature: Said,
        consequences: Said,
        measures: Said,
        delay_reason: Said = "",
    ) -> Response:
        IncidentReports(store_of(request), who.actor).draft_report(
            incident_id, nature, consequences, measures, delay_reason or None
        )
        return see_other(f"/console/incidents/{incident_id}#report")

    @router.post("/incidents/{incident_id}/reports/{phase}/sent")
    def send_report(
        request: Request, who: Staff, incident_id: RecordId, phase: int, delay_reason: Said = ""
    ) -> Response:
        IncidentReports(store_of(request), who.actor).send_report(
            incident_id, phase, delay_reason or None
        )
        return see_other(f"/console/incidents/{incident_id}#report")

    @router.post("/incidents/{incident_id}/letters")
    def draft_letters(
        request: Request,
        who: Staff,
        incident_id: RecordId,
        nature: Said,
        consequences: Said,
        measures: Said,
    ) -> Response:
        IncidentReports(store_of(request), who.actor).draft_letters(
            incident_id, nature, consequences, measures
        )
        return see_other(f"/console/incidents/{incident_id}#letters")

    @router.post("/incidents/{incident_id}/closure")
    def close(request: Request, who: Staff, incident_id: RecordId, note: Said) -> Response:
        IncidentReports(store_of(request), who.actor).close(incident_id, note)
        return see_other(f"/console/incidents/{incident_id}")

    @router.post("/access-anomalies/scan")
    def scan(
        request: Request,
        who: Staff,
        start: Annotated[date, Form()],
        end: Annotated[date, Form()],
    ) -> Response:
        AccessAnomalies(store_of(request), who.actor).scan(start, end)
        return see_other("/console/incidents#anomalies")

    @router.post("/access-anomalies/{anomaly_id}/dismissal")
    def dismiss(request: Request, who: Staff, anomaly_id: RecordId, reason: Said) -> Response:
        AccessAnomalies(store_of(request), who.actor).dismiss(anomaly_id, reason)
        return see_other("/console/incidents#anomalies")

    @router.post("/access-anomalies/{anomaly_id}/incident")
    def open_incident(
        request: Request, who: Staff, anomaly_id: RecordId, description: Said
    ) -> Response:
        made = AccessAnomalies(store_of(request), who.actor).open_incident(anomaly_id, description)
        return see_other(f"/console/incidents/{made.incident_id}")

    return router

"""The breach register (Art. 33(5)): staff report incidents, a processor's report opens one with
the clock from when they told us, the DPO assesses with reasons, computes who was affected,
drafts and sends the ICO report in phases and the letters to patients, and reviews access
anomalies. Every route acts as the caller, so each step is decided and on the ledger."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime, StringConstraints

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Strict
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import BodyId, RecordId
from hippocratic.services.access_anomalies import AccessAnomalies
from hippocratic.services.affected_patients import Scope
from hippocratic.services.incident_reports import IncidentReports
from hippocratic.services.release_incident import ReleaseFault, ReleaseIncidents

router = APIRouter(tags=["incidents"])
Who = Annotated[Caller, Depends(caller)]
Said = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ScopeIn(Strict):
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    actor: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    """Whose accesses it concerns (a username)."""
    recipient: Name | None = None

    def scope(self) -> Scope:
        return Scope(self.window_start, self.window_end, self.actor, self.recipient)


class IncidentIn(ScopeIn):
    description: Said
    aware_at: AwareDatetime | None = None
    """When the organisation became aware; now if not given. The 72-hour clock starts here."""


class ProcessorReportIn(ScopeIn):
    processor: Name
    description: Said
    told_at: AwareDatetime
    """When the processor told us: our clock starts then (Art. 33(2), L-12)."""


class ReleaseReportIn(Strict):
    request_id: BodyId
    """The rights request whose released package went wrong."""
    fault: ReleaseFault
    description: Said


class DecisionIn(Strict):
    breach: BreachFinding
    assessment: RiskLevel
    reason: Said
    encryption_exception: bool = False
    notify_ico: bool | None = None
    notify_subjects: bool | None = None


class ReportIn(Strict):
    nature: Said
    consequences: Said
    measures: Said
    delay_reason: Said | None = None


class SentIn(Strict):
    delay_reason: Said | None = None


class LettersIn(Strict):
    nature: Said
    consequences: Said
    measures: Said


class NoteIn(Strict):
    note: Said


class ScanIn(Strict):
    start: date
    end: date


class ReasonIn(Strict):
    reason: Said


class OpenIn(Strict):
    description: Said


def _incidents(request: Request, who: Who) -> IncidentReports:
    return IncidentReports(store_of(request), who.actor)


def _anomalies(request: Request, who: Who) -> AccessAnomalies:
    return AccessAnomalies(store_of(request), who.actor)


@router.post("/incidents", summary="Report an incident (anyone on staff)", status_code=201)
def report(request: Request, who: Who, given: IncidentIn) -> Any:
    made = _incidents(request, who).report(given.description, given.aware_at, given.scope())
    return success(made)


@router.post(
    "/incidents/processor-reports", summary="A processor reported a breach", status_code=201
)
def processor_report(request: Request, who: Who, given: ProcessorReportIn) -> Any:
    service = _incidents(request, who)
    made = service.processor_report(
        given.processor, given.description, given.told_at, given.scope()
    )
    return success(made)


@router.post(
    "/incidents/release-reports",
    summary="A released access package went to the wrong person or held too much",
    status_code=201,
)
def release_report(request: Request, who: Who, given: ReleaseReportIn) -> Any:
    service = ReleaseIncidents(store_of(request), who.actor)
    return success(service.report_release(given.request_id, given.fault, given.description))


@router.get("/incidents", summary="The breach register, most urgent first (the DPO)")
def register(request: Request, who: Who, closed: bool = False) -> Any:
    return success(_incidents(request, who).register(include_closed=closed))


@router.get("/incidents/{incident_id}", summary="One incident, with its clock and decisions")
def get(request: Request, who: Who, incident_id: RecordId) -> Any:
    return success(_incidents(request, who).get(incident_id))


@router.post("/incidents/{incident_id}/decisions", summary="Assess (the DPO), with the reason")
def decide(request: Request, who: Who, incident_id: RecordId, given: DecisionIn) -> Any:
    made = _incidents(request, who).decide(
        incident_id,
        given.breach,
        given.assessment,
        given.reason,
        encryption_exception=given.encryption_exception,
        notify_ico=given.notify_ico,
        notify_subjects=given.notify_subjects,
    )
    return success(made)


class OwnerIn(Strict):
    owner: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    """The username of someone on the incident team (S1-25)."""


@router.post("/incidents/{incident_id}/owner", summary="Give it an owner from the incident team")
def assign(request: Request, who: Who, incident_id: RecordId, given: OwnerIn) -> Any:
    return success(_incidents(request, who).assign(incident_id, given.owner))


@router.get("/incidents/{incident_id}/affected", summary="Affected patients, from the logs")
def affected(request: Request, who: Who, incident_id: RecordId) -> Any:
    return success(_incidents(request, who).affected(incident_id))


@router.get("/incidents/{incident_id}/reports", summary="The ICO report's phases")
def phases(request: Request, who: Who, incident_id: RecordId) -> Any:
    return success(_incidents(request, who).report_phases(incident_id))


@router.post("/incidents/{incident_id}/reports", summary="Draft the next phase of the ICO report")
def draft_report(request: Request, who: Who, incident_id: RecordId, given: ReportIn) -> Any:
    service = _incidents(request, who)
    made = service.draft_report(
        incident_id, given.nature, given.consequences, given.measures, given.delay_reason
    )
    return success(made)


@router.post("/incidents/{incident_id}/reports/{phase}/sent", summary="Mark a phase sent")
def send_report(
    request: Request, who: Who, incident_id: RecordId, phase: int, given: SentIn
) -> Any:
    return success(_incidents(request, who).send_report(incident_id, phase, given.delay_reason))


@router.post("/incidents/{incident_id}/letters", summary="Draft the letters to patients")
def draft_letters(request: Request, who: Who, incident_id: RecordId, given: LettersIn) -> Any:
    service = _incidents(request, who)
    made = service.draft_letters(incident_id, given.nature, given.consequences, given.measures)
    return success(made)


@router.get(
    "/incidents/{incident_id}/letters/{subject}",
    summary="One patient's letter",
    response_class=HTMLResponse,
)
def letter(request: Request, who: Who, incident_id: RecordId, subject: RecordId) -> HTMLResponse:
    return HTMLResponse(_incidents(request, who).letter(incident_id, subject))


@router.post("/incidents/{incident_id}/closure", summary="Close, once the decision was done")
def close(request: Request, who: Who, incident_id: RecordId, given: NoteIn) -> Any:
    return success(_incidents(request, who).close(incident_id, given.note))


@router.post("/access-anomalies/scan", summary="Scan the ledger for access anomalies")
def scan(request: Request, who: Who, given: ScanIn) -> Any:
    return success(_anomalies(request, who).scan(given.start, given.end))


@router.get("/access-anomalies", summary="Access anomalies awaiting review")
def anomalies(request: Request, who: Who, resolved: bool = False) -> Any:
    return success(_anomalies(request, who).queue(include_resolved=resolved))


@router.post("/access-anomalies/{anomaly_id}/dismissal", summary="Dismiss, with the reason")
def dismiss(request: Request, who: Who, anomaly_id: RecordId, given: ReasonIn) -> Any:
    return success(_anomalies(request, who).dismiss(anomaly_id, given.reason))


@router.post("/access-anomalies/{anomaly_id}/incident", summary="Open an incident", status_code=201)
def open_incident(request: Request, who: Who, anomaly_id: RecordId, given: OpenIn) -> Any:
    return success(_anomalies(request, who).open_incident(anomaly_id, given.description))

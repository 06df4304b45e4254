"""``hippocratic incident``: the breach register on the command line, for the DPO (and for a
cron job that must not let a 72-hour clock run out unseen: ``incident list`` exits 1 while an
incident is overdue or within 12 hours of its deadline)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.faces.cli.arguments import parse_datetime
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, Org, dpo_actor, opened
from hippocratic.services.affected_patients import Scope
from hippocratic.services.incident import Incident
from hippocratic.services.incident_reports import IncidentReports
from hippocratic.services.incidents import NO_SCOPE
from hippocratic.services.release_incident import ReleaseFault, ReleaseIncidents

app = typer.Typer(
    help="Incidents: the breach register and its 72-hour clocks.", no_args_is_help=True
)
LONDON = ZoneInfo("Europe/London")
ATTENTION = 1
"""Exit code of ``incident list`` when a clock is overdue or has under ``SOON_MINUTES`` left."""
SOON_MINUTES = 12 * 60
When = Annotated[
    str | None, typer.Option(help="A date and time (YYYY-MM-DDTHH:MM; UK time unless an offset).")
]


def _instant(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    moment = parse_datetime(text, name)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LONDON)


def _scope(start: str | None, end: str | None, actor: str | None, recipient: str | None) -> Scope:
    scope = Scope(_instant(start, "from"), _instant(end, "to"), actor, recipient)
    return scope if scope.bounded else NO_SCOPE


def _line(incident: Incident) -> str:
    decided = incident.decision
    finding = f"{decided.breach.value}/{decided.assessment.value}" if decided else "not assessed"
    return (
        f"{incident.incident_id}  {incident.status.value:<9} {incident.clock.shown:<22} "
        f"{finding:<22} {incident.description[:60]}"
    )


def _needs_attention(incident: Incident) -> bool:
    clock = incident.clock
    return clock.overdue or (clock.minutes_left is not None and clock.minutes_left < SOON_MINUTES)


@app.command("report")
def report(
    description: Annotated[str, typer.Argument(help="What happened, in plain words.")],
    organisation: Org,
    aware: When = None,
    processor: Annotated[
        str | None,
        typer.Option(help="The processor that reported it (the clock runs from --aware)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Start of the window it concerns.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="End of the window it concerns.")] = None,
    actor: Annotated[
        str | None, typer.Option(help="The account whose accesses it concerns.")
    ] = None,
    recipient: Annotated[
        str | None, typer.Option(help="The recipient data went to wrongly.")
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Open an incident; its 72-hour clock runs from when we became aware (now if not given)."""
    wants_json(as_json)
    scope = _scope(start, end, actor, recipient)
    aware_at = _instant(aware, "aware")
    with opened(db, keys) as store:
        service = IncidentReports(store, dpo_actor(store, organisation))
        if processor is not None:
            made = service.processor_report(
                processor, description, aware_at or store.clock.now(), scope
            )
        else:
            made = service.report(description, aware_at, scope)
    emit(made, as_json=as_json, render=lambda: console.print(_line(made), markup=False))


@app.command("release-report")
def release_report(
    request_id: Annotated[str, typer.Argument(help="The rights request whose package it was.")],
    organisation: Org,
    fault: Annotated[ReleaseFault, typer.Option(help="What went wrong with the release.")],
    description: Annotated[str, typer.Option(help="What happened, in plain words.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A released access package went to the wrong person or held too much: an incident opens
    now, its clock running, with the patient and the data it disclosed taken from the
    package."""
    wants_json(as_json)
    with opened(db, keys) as store:
        service = ReleaseIncidents(store, dpo_actor(store, organisation))
        made = service.report_release(request_id, fault, description)
    emit(made, as_json=as_json, render=lambda: console.print(_line(made), markup=False))


@app.command("list")
def listing(
    organisation: Org,
    closed: Annotated[bool, typer.Option("--closed", help="Closed incidents too.")] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The register, overdue first, with time left. Exits 1 while a clock is overdue or has
    under 12 hours left, so a cron job tells the DPO."""
    wants_json(as_json)
    with opened(db, keys) as store:
        found = IncidentReports(store, dpo_actor(store, organisation)).register(
            include_closed=closed
        )

    def show() -> None:
        if not found:
            console.print("no incidents", markup=False)
        for incident in found:
            console.print(_line(incident), markup=False)

    emit(found, as_json=as_json, render=show)
    if any(_needs_attention(i) for i in found if i.closed_at is None):
        raise typer.Exit(ATTENTION)


@app.command("assign")
def assign(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    organisation: Org,
    owner: Annotated[str, typer.Option(help="The username of someone on the incident team.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Give the incident an owner from the incident team (``breach.incident_team``, S1-25):
    it is assessed only once someone on the team owns it."""
    wants_json(as_json)
    with opened(db, keys) as store:
        owned = IncidentReports(store, dpo_actor(store, organisation)).assign(incident_id, owner)
    emit(owned, as_json=as_json, render=lambda: console.print(_line(owned), markup=False))


@app.command("assess")
def assess(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    organisation: Org,
    breach: Annotated[BreachFinding, typer.Option(help="Was it a personal data breach?")],
    risk: Annotated[RiskLevel, typer.Option(help="The risk to the people affected.")],
    reason: Annotated[str, typer.Option(help="The reasoning, kept for good (Art. 33(5)).")],
    encryption_exception: Annotated[
        bool, typer.Option(help="The data was unintelligible to whoever got it (Art. 34(3)(a)).")
    ] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the DPO's decision; who must be told follows from the law and the policy."""
    wants_json(as_json)
    with opened(db, keys) as store:
        decided = IncidentReports(store, dpo_actor(store, organisation)).decide(
            incident_id, breach, risk, reason, encryption_exception=encryption_exception
        )
    emit(decided, as_json=as_json, render=lambda: console.print(_line(decided), markup=False))


@app.command("affected")
def affected(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    organisation: Org,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Who the incident reaches, computed from the audit ledger and the disclosure log:
    counts by category and the patients' internal ids (each one's history shows the look)."""
    wants_json(as_json)
    with opened(db, keys) as store:
        found = IncidentReports(store, dpo_actor(store, organisation)).affected(incident_id)

    def show() -> None:
        console.print(
            f"{found.count} patient(s), {found.records} record(s), from {', '.join(found.sources)}",
            markup=False,
        )
        for category, count in found.by_category.items():
            console.print(f"  {category}: {count}", markup=False)

    emit(found, as_json=as_json, render=show)

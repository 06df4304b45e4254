"""``hippocratic rights``: the DPO's queue on the command line, the alert job that makes sure
no request stalls silently (for cron or a systemd timer: it exits 1 when a request is overdue,
due within seven days, or has a failed step), and a request's letters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, Org, dpo_actor, opened
from hippocratic.services.rights_letters import RightsLetters, letter_kind
from hippocratic.services.rights_request import QueueItem
from hippocratic.services.rights_requests import RightsRequests

app = typer.Typer(help="Data-subject rights requests and their clocks.", no_args_is_help=True)
ATTENTION = 1
"""Exit code of ``rights alerts`` when something needs the DPO."""


def _line(item: QueueItem) -> str:
    r = item.request
    left = f"overdue by {-r.days_left} day(s)" if r.overdue else f"{r.days_left} day(s) left"
    extra = f"; waiting for {r.waiting_for}" if r.waiting_for else ""
    failed = f"; {r.failed_step.name} FAILED: {r.failed_step.log}" if r.failed_step else ""
    return f"{r.due.isoformat()}  {left:<22} {r.right.value:<26} {r.request_id}{extra}{failed}"


def _queue(organisation: str, db: str | None, keys: Path | None) -> list[QueueItem]:
    with opened(db, keys) as store:
        return RightsRequests(store, dpo_actor(store, organisation)).queue()


@app.command("queue")
def queue(
    organisation: Org, db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False
) -> None:
    """Every open request, soonest due first, with days left and any failed step."""
    wants_json(as_json)
    items = _queue(organisation, db, keys)

    def show() -> None:
        if not items:
            console.print("no open requests", markup=False)
        for item in items:
            console.print(_line(item), markup=False)

    emit([item.request for item in items], as_json=as_json, render=show)


@app.command("alerts")
def alerts(
    organisation: Org, db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False
) -> None:
    """Requests that need the DPO now: overdue, due within seven days, or with a failed step.
    Exits 1 if there are any, so a cron job mails the operator; 0 if none."""
    wants_json(as_json)
    items = [
        item
        for item in _queue(organisation, db, keys)
        if item.request.warning or item.request.failed_step is not None
    ]

    def show() -> None:
        if not items:
            console.print("nothing needs attention", markup=False)
        for item in items:
            console.print(_line(item), markup=False)

    emit([item.request for item in items], as_json=as_json, render=show)
    if items:
        raise typer.Exit(ATTENTION)


@app.command("letter")
def letter(
    request_id: Annotated[str, typer.Argument(help="The request's id.")],
    kind: Annotated[str, typer.Argument(help="acknowledgement, extension, completion, refusal")],
    organisation: Org,
    out: Annotated[Path, typer.Option("--out", help="Write the letter here.")],
    pdf: Annotated[bool, typer.Option("--pdf", help="As PDF rather than HTML.")] = False,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Write one of the request's letters, generated from the policy, to a file."""
    with opened(db, keys) as store:
        rendered = RightsLetters(store, dpo_actor(store, organisation)).letter(
            request_id, letter_kind(kind), as_pdf=pdf
        )
    out.write_bytes(rendered.content)
    console.print(f"wrote {out} ({len(rendered.content):,} bytes)", markup=False)

"""``hippocratic deadline``: statutory clocks, with the reasoning a DPO can check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape

from hippocratic.domain.art14_deadline import art14_deadline
from hippocratic.domain.breach_deadline import breach_deadline, london
from hippocratic.domain.calendar import long_date
from hippocratic.domain.clock import SystemClock
from hippocratic.domain.complaint_deadline import complaint_deadline
from hippocratic.domain.legal_source import LegalSource
from hippocratic.domain.rights_deadline import TimedRight, rights_deadline
from hippocratic.faces.cli.arguments import (
    parse_date,
    parse_datetime,
    parse_optional_date,
    parse_pause,
)
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.policy.settings import RightName

app = typer.Typer(help="Compute statutory deadlines, step by step.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


def _show(headline: str, steps: list[str], sources: Sequence[LegalSource]) -> None:
    console.print(f"[bold]{escape(headline)}[/]", markup=True)
    for step in steps:
        console.print(f"  → {step}", markup=False)
    for source in sources:
        trust = "verified" if source.verified else "not verified in a primary text"
        console.print(f"  source: {source.citation} ({trust})", markup=False, style="dim")


@app.command("sar")
def sar(
    received: Annotated[str, typer.Argument(help="Day the request arrived, YYYY-MM-DD.")],
    pause: Annotated[
        list[str] | None,
        typer.Option(
            help="START..END while waiting for information or clarification; both days are "
            "paused (repeatable)."
        ),
    ] = None,
    extend: Annotated[
        bool, typer.Option(help="Extend by two further months (complex or numerous).")
    ] = False,
    fee_received: Annotated[
        str | None, typer.Option(help="Day a properly charged fee arrived: the clock starts then.")
    ] = None,
    identity_received: Annotated[
        str | None, typer.Option(help="Day requested identity evidence arrived: the clock starts.")
    ] = None,
    right: Annotated[
        TimedRight, typer.Option(help="Which right is exercised (each has this clock).")
    ] = "access",
    as_json: JsonFlag = False,
) -> None:
    """When a rights request (access, erasure, ...) must be answered (UK GDPR Arts. 12, 12A)."""
    wants_json(as_json)
    result = rights_deadline(
        parse_date(received, "received"),
        right=RightName(right),
        pauses=[parse_pause(p) for p in pause or []],
        extended=extend,
        fee_received=parse_optional_date(fee_received, "fee-received"),
        identity_received=parse_optional_date(identity_received, "identity-received"),
    )
    emit(
        result,
        as_json=as_json,
        render=lambda: _show(f"due {long_date(result.due)}", result.steps, result.sources),
    )


@app.command("breach")
def breach(
    aware_at: Annotated[
        str, typer.Argument(help="When you became aware, with its offset, e.g. 2026-10-23T12:00Z.")
    ],
    reported_at: Annotated[
        str | None, typer.Option(help="When it was reported to the ICO, if it was.")
    ] = None,
    now: Annotated[str | None, typer.Option(help="Evaluate at this time instead of now.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The 72-hour deadline for reporting a personal data breach to the ICO (Art. 33)."""
    wants_json(as_json)
    result = breach_deadline(
        parse_datetime(aware_at, "aware_at"),
        now=parse_datetime(now, "now") if now else SystemClock().now(),
        reported_at=parse_datetime(reported_at, "reported_at") if reported_at else None,
    )
    data = {
        "aware_at": result.aware_at,
        "deadline": result.deadline.isoformat(),
        "state": result.state,
        "remaining_seconds": result.remaining.total_seconds() if result.remaining else None,
        "steps": result.steps,
        "source": result.source,
    }
    emit(
        data,
        as_json=as_json,
        render=lambda: _show(
            f"report by {london(result.deadline)} ({result.state})", result.steps, [result.source]
        ),
    )


@app.command("art14")
def art14(
    obtained: Annotated[str, typer.Argument(help="Day the data was obtained from someone else.")],
    first_contact: Annotated[
        str | None, typer.Option(help="Day of the first communication with the patient.")
    ] = None,
    first_disclosure: Annotated[
        str | None, typer.Option(help="Day of the first disclosure to another recipient.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """When a patient must be told about data obtained from someone else (Art. 14(3))."""
    wants_json(as_json)
    result = art14_deadline(
        parse_date(obtained, "obtained"),
        first_contact=parse_optional_date(first_contact, "first-contact"),
        first_disclosure=parse_optional_date(first_disclosure, "first-disclosure"),
    )
    emit(
        result,
        as_json=as_json,
        render=lambda: _show(
            f"tell the patient by {long_date(result.due)}", result.steps, [result.source]
        ),
    )


@app.command("complaint")
def complaint(
    received: Annotated[str, typer.Argument(help="Day the complaint arrived, YYYY-MM-DD.")],
    as_json: JsonFlag = False,
) -> None:
    """When a complaint to the controller must be acknowledged (DPA 2018 s.164A)."""
    wants_json(as_json)
    result = complaint_deadline(parse_date(received, "received"))
    emit(
        result,
        as_json=as_json,
        render=lambda: _show(
            f"acknowledge by {long_date(result.due)}", result.steps, [result.source]
        ),
    )

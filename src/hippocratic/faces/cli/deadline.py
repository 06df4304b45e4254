"""``hippocratic deadline``: statutory clocks, with the reasoning a DPO can check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from hippocratic.domain.breach_deadline import breach_deadline, london
from hippocratic.domain.calendar import long_date
from hippocratic.domain.notification_deadline import art14_deadline, complaint_acknowledgement
from hippocratic.domain.rights_deadline import Right, rights_deadline
from hippocratic.faces.cli.arguments import parse_date, parse_datetime, parse_pause
from hippocratic.faces.cli.output import console, emit

app = typer.Typer(help="Compute statutory deadlines, step by step.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


def _show(headline: str, steps: list[str], source: str) -> None:
    console.print(f"[bold]{headline}[/]")
    for step in steps:
        console.print(f"  → {step}", markup=False)
    console.print(f"  source: {source}", markup=False, style="dim")


@app.command("sar")
def sar(
    received: Annotated[str, typer.Argument(help="Day the request arrived, YYYY-MM-DD.")],
    pause: Annotated[
        list[str] | None,
        typer.Option(help="START..END while waiting for identity or clarification (repeatable)."),
    ] = None,
    extend: Annotated[bool, typer.Option(help="Extend by two months (complex/numerous).")] = False,
    fee_received: Annotated[str | None, typer.Option(help="Day a chargeable fee arrived.")] = None,
    identity_received: Annotated[
        str | None, typer.Option(help="Day requested identity evidence arrived.")
    ] = None,
    right: Annotated[Right, typer.Option(help="Which right is exercised.")] = Right.ACCESS,
    as_json: JsonFlag = False,
) -> None:
    """When a rights request (access, erasure, ...) must be answered (UK GDPR Arts. 12, 12A)."""
    result = rights_deadline(
        parse_date(received, "received"),
        right=right,
        pauses=[parse_pause(p) for p in pause or []],
        extended=extend,
        fee_received=parse_date(fee_received, "fee-received") if fee_received else None,
        identity_received=(
            parse_date(identity_received, "identity-received") if identity_received else None
        ),
    )
    data: dict[str, Any] = {
        "right": result.right,
        "received": result.received,
        "starts": result.starts,
        "due": result.due,
        "extended": result.extended,
        "extension_notice_by": result.extension_notice_by,
        "paused_days": result.paused_days,
        "steps": result.steps,
        "source": result.source,
    }
    emit(
        data,
        as_json=as_json,
        render=lambda: _show(f"due {long_date(result.due)}", result.steps, result.source),
    )


@app.command("breach")
def breach(
    aware_at: Annotated[str, typer.Argument(help="When you became aware, with its offset.")],
    reported_at: Annotated[
        str | None, typer.Option(help="When it was reported, if it was.")
    ] = None,
    now: Annotated[str | None, typer.Option(help="Evaluate at this time instead of now.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The 72-hour deadline for reporting a personal data breach to the ICO (Art. 33)."""
    result = breach_deadline(
        parse_datetime(aware_at, "aware_at"),
        now=parse_datetime(now, "now") if now else datetime.now(UTC),
        reported_at=parse_datetime(reported_at, "reported_at") if reported_at else None,
    )
    data = {
        "aware_at": result.aware_at,
        "deadline": result.deadline,
        "state": result.state,
        "remaining_seconds": result.remaining.total_seconds() if result.remaining else None,
        "steps": result.steps,
        "source": result.source,
    }
    emit(
        data,
        as_json=as_json,
        render=lambda: _show(
            f"report by {london(result.deadline)} ({result.state})", result.steps, result.source
        ),
    )


@app.command("art14")
def art14(
    obtained: Annotated[str, typer.Argument(help="Day the data was obtained from someone else.")],
    first_contact: Annotated[str | None, typer.Option(help="First communication.")] = None,
    first_disclosure: Annotated[str | None, typer.Option(help="First disclosure.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """When a patient must be told about data obtained from someone else (Art. 14(3))."""
    result = art14_deadline(
        parse_date(obtained, "obtained"),
        first_contact=parse_date(first_contact, "first-contact") if first_contact else None,
        first_disclosure=(
            parse_date(first_disclosure, "first-disclosure") if first_disclosure else None
        ),
    )
    emit(
        {
            "due": result.due,
            "reason": result.reason,
            "steps": result.steps,
            "source": result.source,
        },
        as_json=as_json,
        render=lambda: _show(
            f"tell the patient by {long_date(result.due)}", result.steps, result.source
        ),
    )


@app.command("complaint")
def complaint(
    received: Annotated[str, typer.Argument(help="Day the complaint arrived, YYYY-MM-DD.")],
    as_json: JsonFlag = False,
) -> None:
    """When a complaint to the controller must be acknowledged (DPA 2018 s.164A)."""
    result = complaint_acknowledgement(parse_date(received, "received"))
    emit(
        {
            "due": result.due,
            "statutory": result.statutory,
            "steps": result.steps,
            "source": result.source,
        },
        as_json=as_json,
        render=lambda: _show(
            f"acknowledge by {long_date(result.due)}", result.steps, result.source
        ),
    )

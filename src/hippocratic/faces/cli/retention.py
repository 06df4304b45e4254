"""``hippocratic retention``: when a record may be disposed of, under which rule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hippocratic.domain.calendar import long_date
from hippocratic.domain.retention_schedule import RecordFacts, disposal
from hippocratic.errors import InputError
from hippocratic.faces.cli.arguments import parse_date
from hippocratic.faces.cli.output import console, emit
from hippocratic.policy.loader import load_policy

app = typer.Typer(help="Retention: disposal dates under the policy's rules.", no_args_is_help=True)


@app.command("end")
def end(
    policy_file: Annotated[Path, typer.Argument(metavar="POLICY", help="The policy YAML file.")],
    record_type: Annotated[str, typer.Argument(help="A retention rule key or record type.")],
    born: Annotated[str | None, typer.Option(help="Date of birth.")] = None,
    last_seen: Annotated[str | None, typer.Option(help="Last appointment or end of care.")] = None,
    died: Annotated[str | None, typer.Option(help="Date of death.")] = None,
    collected: Annotated[str | None, typer.Option(help="Date the data was collected.")] = None,
    opted_out: Annotated[str | None, typer.Option(help="Date of opt-out.")] = None,
    reused: Annotated[
        list[str] | None, typer.Option(help="A date the record came back into use (repeatable).")
    ] = None,
    hold: Annotated[bool, typer.Option("--hold", help="A legal hold is in place.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Print the earliest disposal date, the action at expiry, the rule and its source."""
    policy = load_policy(policy_file)
    rule = policy.retention_by_key.get(record_type) or next(
        (r for r in policy.retention if r.record_type == record_type), None
    )
    if rule is None:
        known = sorted(
            {r.key for r in policy.retention} | {r.record_type for r in policy.retention}
        )
        raise InputError(
            f"{policy.organisation.key} has no retention rule for `{record_type}`",
            field="record_type",
            hint=f"one of: {', '.join(known)}",
        )

    facts = RecordFacts(
        born=parse_date(born, "born") if born else None,
        last_seen=parse_date(last_seen, "last-seen") if last_seen else None,
        died=parse_date(died, "died") if died else None,
        collected=parse_date(collected, "collected") if collected else None,
        opted_out=parse_date(opted_out, "opted-out") if opted_out else None,
        reused=[parse_date(value, "reused") for value in reused or []],
        held=hold,
    )
    result = disposal(rule, facts)

    def show() -> None:
        when = long_date(result.disposal_date) if result.disposal_date else result.state.value
        console.print(f"[bold]{rule.title}: {when}, then {result.action}[/]")
        for step in result.steps:
            console.print(f"  → {step}", markup=False)
        verified = "verified" if result.source_verified else "not verified in a primary text"
        console.print(f"  rule {result.rule}: {result.citation} ({verified})", markup=False)

    emit(
        {
            "state": result.state,
            "disposal_date": result.disposal_date,
            "action": result.action,
            "rule": result.rule,
            "citation": result.citation,
            "source": result.source,
            "source_verified": result.source_verified,
            "steps": result.steps,
        },
        as_json=as_json,
        render=show,
    )

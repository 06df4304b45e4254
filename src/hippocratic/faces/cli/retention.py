"""``hippocratic retention``: when a record may be disposed of, under which rule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hippocratic.domain.calendar import long_date
from hippocratic.domain.retention_schedule import RecordFacts, disposal
from hippocratic.errors import InputError
from hippocratic.faces.cli.arguments import parse_date, parse_optional_date
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.policy.validator import load_sound_policy

app = typer.Typer(help="Retention: disposal dates under the policy's rules.", no_args_is_help=True)


@app.command("end")
def end(
    policy_file: Annotated[Path, typer.Argument(metavar="POLICY", help="The policy YAML file.")],
    record_type: Annotated[str, typer.Argument(help="A retention rule key or record type.")],
    born: Annotated[str | None, typer.Option(help="Date of birth.")] = None,
    last_seen: Annotated[str | None, typer.Option(help="Last attended appointment.")] = None,
    end_of_treatment: Annotated[
        str | None,
        typer.Option(help="End of treatment; if --last-seen is later, care ended then."),
    ] = None,
    died: Annotated[str | None, typer.Option(help="Date of death.")] = None,
    collected: Annotated[
        str | None, typer.Option(help="Date the data was collected or the record made.")
    ] = None,
    last_interaction: Annotated[
        str | None, typer.Option(help="Last contact, or closure of a complaint.")
    ] = None,
    opted_out: Annotated[str | None, typer.Option(help="Date of opt-out.")] = None,
    financial_year_end: Annotated[
        str | None,
        typer.Option(
            help="End of the company's financial year the record belongs to; without it the "
            "latest possible (--collected + 12 months) is assumed and the result is not verified."
        ),
    ] = None,
    reused: Annotated[
        list[str] | None,
        typer.Option(help="Last day of a later period of use of the record (repeatable)."),
    ] = None,
    hold: Annotated[bool, typer.Option("--hold", help="A legal hold is in place.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Print the earliest disposal date, the action at expiry, the rule and its source."""
    wants_json(as_json)
    policy = load_sound_policy(policy_file)
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
        born=parse_optional_date(born, "born"),
        last_seen=parse_optional_date(last_seen, "last-seen"),
        end_of_treatment=parse_optional_date(end_of_treatment, "end-of-treatment"),
        died=parse_optional_date(died, "died"),
        collected=parse_optional_date(collected, "collected"),
        last_interaction=parse_optional_date(last_interaction, "last-interaction"),
        opted_out=parse_optional_date(opted_out, "opted-out"),
        financial_year_end=parse_optional_date(financial_year_end, "financial-year-end"),
        reused=[parse_date(value, "reused") for value in reused or []],
        held=hold,
    )
    result = disposal(rule, facts)

    def show() -> None:
        when = long_date(result.disposal_date) if result.disposal_date else result.state.value
        console.print(
            f"[bold]{escape(f'{rule.title}: {when}, then {result.action}')}[/]", markup=True
        )
        for step in result.steps:
            console.print(f"  → {step}", markup=False)
        if result.assumptions:
            verified = "not verified: a date was assumed"
        elif result.source_verified:
            verified = "verified"
        else:
            verified = "not verified in a primary text"
        console.print(f"  rule {result.rule}: {result.citation}", markup=False)
        source = result.legal_source
        if source is not None:
            console.print(f"  source: {source.citation} ({verified})", markup=False, style="dim")

    emit(result, as_json=as_json, render=show)

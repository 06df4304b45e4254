"""``hippocratic policy``: check policy files before they drive anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hippocratic.domain.clock import SystemClock
from hippocratic.errors import PolicyInvalid
from hippocratic.faces.cli.arguments import parse_optional_date
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.policy.control import ControlRegister
from hippocratic.policy.problem import Problem
from hippocratic.policy.validator import CheckReport, check_policy, load_sound_policy

app = typer.Typer(
    help="Check an organisation's policy file and read its registers.", no_args_is_help=True
)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files to check.")],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the JSON envelope; problems are in error.details, one per item."
        ),
    ] = False,
) -> None:
    """Check policy files: exit 0 if every file is sound; otherwise list every problem as
    `file:line  key.path  [rule] what is wrong -> how to fix it` and exit 2.

    Every rule is explained in docs/policy.md.
    """
    wants_json(as_json)
    reports = [check_policy(path) for path in files]
    problems = [problem for report in reports for problem in report.problems]
    if problems:
        failed = sum(not report.ok for report in reports)
        summary = f"{_count(len(problems), 'problem')} in {_count(failed, 'file')}"
        if as_json:
            raise PolicyInvalid(summary, details=[problem.to_dict() for problem in problems])
        _show(reports)
        console.print(
            f"[bold red]{escape(summary)}[/]; see docs/policy.md for each rule", markup=True
        )
        raise typer.Exit(PolicyInvalid.exit_code)
    emit(
        [{"file": report.file, "ok": True} for report in reports],
        as_json=as_json,
        render=lambda: _show(reports),
    )


@app.command("controls")
def controls(
    file: Annotated[Path, typer.Argument(help="The organisation's policy YAML file.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day to judge reviews on (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """The security-control register (S0-87): each control's kind, ISO/IEC 27001:2022 Annex A
    reference, owner, last evidence and next review, overdue reviews first and flagged. Exit 0
    whether or not a review is overdue: the register is a report, `policy check` the gate."""
    wants_json(as_json)
    day = parse_optional_date(as_of, "as_of") or SystemClock().now().date()
    register = load_sound_policy(file).control_register(day)
    emit(register, as_json=as_json, render=lambda: _register(register))


def _register(register: ControlRegister) -> None:
    table = Table(
        "control", "kind", "Annex A", "owner", "last evidence", "reviewed", "next review",
        title=f"Security controls of {register.organisation} as of {register.as_of}",
    )  # fmt: skip
    for row in register.controls:
        due = (
            Text(f"OVERDUE {row.days_overdue} days ({row.next_review})", style="bold red")
            if row.overdue
            else Text(str(row.next_review))
        )
        table.add_row(
            row.key, row.kind, row.annex_a, Text(row.owner_title),
            Text(row.evidence), str(row.last_reviewed), due,
        )  # fmt: skip
    console.print(table)
    late = len(register.overdue)
    console.print(
        f"{late} review{'s' if late != 1 else ''} overdue" if late else "no review is overdue",
        markup=False,
    )


def _show(reports: list[CheckReport]) -> None:
    for report in reports:
        if report.ok:
            console.print(f"[green]ok[/]  {escape(report.file)}", markup=True)
        for problem in report.problems:
            console.print(_line(problem), markup=True)


def _line(problem: Problem) -> str:
    return (
        f"[bold]{escape(problem.file)}:{problem.line}[/]  [cyan]{escape(problem.path)}[/]  "
        f"[dim]\\[{escape(problem.rule)}][/] {escape(problem.message)} "
        f"[green]-> {escape(problem.fix)}[/]"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"

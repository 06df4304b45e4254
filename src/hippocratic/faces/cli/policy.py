"""``hippocratic policy``: check policy files before they drive anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hippocratic.errors import PolicyInvalid
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.policy.problem import Problem
from hippocratic.policy.validator import CheckReport, check_policy

app = typer.Typer(help="Check an organisation's policy file.", no_args_is_help=True)


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

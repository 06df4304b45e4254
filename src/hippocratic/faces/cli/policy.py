"""``hippocratic policy``: check policy files before they drive anything."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hippocratic.errors import PolicyInvalid
from hippocratic.faces.cli.output import console, emit, error_console, wants_json
from hippocratic.policy.validator import CheckReport, check_policy

app = typer.Typer(help="Check an organisation's policy file.", no_args_is_help=True)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Check policy files: exit 0 if every file is sound, otherwise list every problem as
    file:line, key path, what is wrong and how to fix it, and exit 2.

    The rules are documented in docs/policy.md.
    """
    wants_json(as_json)
    reports = [check_policy(path) for path in files]
    problems = [problem for report in reports for problem in report.problems]
    if problems:
        if as_json:
            raise PolicyInvalid(
                f"{len(problems)} problem(s) in {sum(not r.ok for r in reports)} file(s)",
                details=[dataclasses.asdict(problem) for problem in problems],
            )
        _show(reports)
        raise typer.Exit(PolicyInvalid.exit_code)
    emit(
        [{"file": report.file, "ok": True} for report in reports],
        as_json=as_json,
        render=lambda: _show(reports),
    )


def _show(reports: list[CheckReport]) -> None:
    for report in reports:
        if report.ok:
            console.print(f"[green]ok[/]  {escape(report.file)}")
            continue
        table = Table(title=escape(f"{report.file}: {len(report.problems)} problem(s)"))
        for column in ("where", "key path", "rule", "what is wrong", "how to fix it"):
            table.add_column(column, overflow="fold")
        for problem in report.problems:
            table.add_row(
                escape(f"{problem.file}:{problem.line}"),
                escape(problem.path),
                escape(problem.rule),
                escape(problem.message),
                escape(problem.fix),
            )
        error_console.print(table)

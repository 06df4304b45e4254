"""The root of the ``hippocratic`` command: registers each concept's command group."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import typer
from typer.core import TyperArgument, TyperGroup

from hippocratic import __version__
from hippocratic.errors import HippocraticError
from hippocratic.faces.cli.output import json_requested, report_error


def _metavar(param: Any) -> str | None:
    """What a value looks like, in the words of a command's help (never a Python type); None
    keeps Typer's own label (a list of choices, a date format)."""
    if getattr(param, "is_bool_flag", False) or getattr(param, "is_flag", False):
        return ""
    described = getattr(param, "type_descriptor", None)
    if described is None or described.is_choice or described.is_datetime:
        return None
    args = get_args(described.annotation)
    element = args[0] if described.is_list and len(args) == 1 else described.annotation
    if described.is_path:
        return str(described.path_type).upper()
    if isinstance(element, type) and issubclass(element, Path):
        return "FILE"
    if element is int:
        return "N"
    if element is float:
        return "NUMBER"
    return "TEXT"


def _no_type(ctx: Any) -> None:
    return None


def _plain_help(command: Any) -> None:
    """Every parameter of ``command`` and its subcommands gets a plain metavar."""
    for param in getattr(command, "params", []):
        if isinstance(param, TyperArgument):
            # An argument's name (FILE, ORGANISATION) already says what it is; Typer would
            # add its annotation (<list[Path]>, <str>) beside it.
            param.display_type_rich = _no_type  # type: ignore[method-assign]
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
        elif param.metavar is None:
            param.metavar = _metavar(param)
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


class _GuardedGroup(TyperGroup):
    """Turns every HippocraticError into a clear message and its stable exit code; help shows
    what each value looks like (``FILE``, ``N``), never a Python type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_help(self)

    def invoke(self, ctx: Any) -> Any:
        token = json_requested.set(False)
        try:
            return super().invoke(ctx)
        except HippocraticError as error:
            report_error(error, as_json=json_requested.get())
            raise typer.Exit(error.exit_code) from None
        finally:
            json_requested.reset(token)


app = typer.Typer(
    cls=_GuardedGroup,
    name="hippocratic",
    help="Hippocratic: patient data held so that the privacy notice is true by construction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: paragraphs wrapped at words, and text such as `[rule]` shown as written
    # (Rich would take it for markup and drop it).
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hippocratic {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Operate a Hippocratic store: policies, notices, deadlines, keys, audit and releases."""


def _register() -> None:
    # Imported here so each concept's module stays the only place that knows its commands.
    from hippocratic.faces.cli import (
        audit,
        backup,
        deadline,
        dpo,
        evidence,
        incident,
        keys,
        marketing,
        notice,
        organisation,
        policy,
        release,
        retention,
        rights,
        serve,
        site,
        staff,
        store,
    )

    app.add_typer(policy.app, name="policy")
    app.add_typer(notice.app, name="notice")
    app.command("ropa")(notice.ropa)
    app.add_typer(deadline.app, name="deadline")
    app.add_typer(retention.app, name="retention")
    app.add_typer(retention.jobs_app, name="jobs")
    app.command("serve")(serve.serve)
    app.command("init")(store.init)
    app.add_typer(organisation.app, name="organisation")
    app.add_typer(store.demo_app, name="demo")
    app.add_typer(keys.app, name="keys")
    app.command("backup")(backup.backup)
    app.command("restore")(backup.restore)
    app.add_typer(audit.app, name="audit")
    app.add_typer(release.app, name="release")
    app.add_typer(site.app, name="site")
    app.add_typer(staff.staff_app, name="staff")
    app.add_typer(staff.token_app, name="token")
    app.add_typer(marketing.app, name="marketing")
    app.add_typer(rights.app, name="rights")
    app.add_typer(incident.app, name="incident")
    app.add_typer(dpo.app, name="dpo")
    app.command("evidence")(evidence.evidence)


_register()


def main() -> None:
    app()

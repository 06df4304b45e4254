"""The root of the ``hippocratic`` command: registers each concept's command group."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from hippocratic import __version__
from hippocratic.errors import HippocraticError
from hippocratic.faces.cli.output import json_requested, report_error


class _GuardedGroup(TyperGroup):
    """Turns every HippocraticError into a clear message and its stable exit code."""

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
        deadline,
        keys,
        notice,
        organisation,
        policy,
        release,
        retention,
        serve,
        staff,
        store,
    )

    app.add_typer(policy.app, name="policy")
    app.add_typer(notice.app, name="notice")
    app.command("ropa")(notice.ropa)
    app.add_typer(deadline.app, name="deadline")
    app.add_typer(retention.app, name="retention")
    app.command("serve")(serve.serve)
    app.command("init")(store.init)
    app.add_typer(organisation.app, name="organisation")
    app.add_typer(store.demo_app, name="demo")
    app.add_typer(keys.app, name="keys")
    app.add_typer(audit.app, name="audit")
    app.add_typer(release.app, name="release")
    app.add_typer(staff.staff_app, name="staff")
    app.add_typer(staff.token_app, name="token")


_register()


def main() -> None:
    app()

"""``hippocratic keys``: key rotation."""

from __future__ import annotations

from typing import Annotated

import typer

from hippocratic.faces.cli.output import console, emit
from hippocratic.faces.cli.store import DbOption, KeysOption
from hippocratic.services import keys as key_service
from hippocratic.services.store import open_store

app = typer.Typer(help="Manage the store's keys.", no_args_is_help=True)


@app.command("rotate")
def rotate(
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Re-wrap every key under a new master key and new organisation keys. No data is
    re-encrypted, nothing becomes unreadable, and the store stays usable throughout."""
    store = open_store(db, keys)
    report = key_service.rotate(store, keys)
    store.dispose()
    emit(
        report,
        as_json=as_json,
        render=lambda: console.print(
            f"new master key {report.master_key_id}: {report.master_rewrapped} keys re-wrapped; "
            + ", ".join(
                f"{org}: {n} patient keys" for org, n in report.subject_keys_rewrapped.items()
            )
        ),
    )

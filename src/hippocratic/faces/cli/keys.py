"""``hippocratic keys``: key rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption
from hippocratic.services import keys as key_service

app = typer.Typer(help="Manage the store's keys.", no_args_is_help=True)

MasterKeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--master-key-file",
        help="The master key file (default: master.key in the key directory).",
    ),
]


@app.command("rotate")
def rotate(
    db: DbOption = None,
    keys: KeysOption = None,
    master_key_file: MasterKeyFileOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Replace the master key and every organisation key, and re-wrap every patient key.

    No data is re-encrypted, nothing becomes unreadable and the store stays usable throughout.
    The old master key is overwritten, so key-store backups from before this rotation can no
    longer unwrap anything: back up the key store again afterwards.
    """
    wants_json(as_json)
    report = key_service.rotate(db, keys, master_key_file)

    def render() -> None:
        console.print(
            f"master key {report.previous_master_key_id} -> {report.master_key_id}: "
            f"{report.master_rewrapped} organisation and service keys re-wrapped"
        )
        for org, count in report.subject_keys_rewrapped.items():
            version = report.organisation_key_versions[org]
            console.print(f"  {org}: organisation key version {version}, {count} patient keys")
        console.print("back up the key store now; older key-store backups no longer open")

    emit(report, as_json=as_json, render=render)

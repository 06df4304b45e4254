"""``hippocratic organisation``: the organisations one store holds, each with its own policy,
keys and audit ledger."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, opened
from hippocratic.services.policy_change import change_policy
from hippocratic.services.store import add_organisation

app = typer.Typer(help="The organisations in a store.", no_args_is_help=True)


@app.command("add")
def add(
    policy: Annotated[Path, typer.Option("--policy", help="The organisation's policy file.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Add an organisation to an existing store: its policy (refused, changing nothing, if it
    fails ``policy check``), its own keys, and the first event of its audit ledger."""
    wants_json(as_json)
    with opened(db, keys) as store:
        key = add_organisation(store, policy)
        name = store.policy_of(key).organisation.display_name
    emit(
        {"organisation": key, "name": name},
        as_json=as_json,
        render=lambda: console.print(f"added {name} ({key})", markup=False),
    )


@app.command("update")
def update(
    policy: Annotated[Path, typer.Option("--policy", help="The organisation's new policy.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Put a changed policy in force for its organisation: refused, changing nothing, if it
    fails ``policy check``, goes back to an older notice or drops a role staff hold; recorded
    on the ledger with both files' SHA-256. A running server enforces it within seconds."""
    wants_json(as_json)
    with opened(db, keys) as store:
        change = change_policy(store, policy)

    def render() -> None:
        console.print(
            f"{change.organisation}: policy {change.old_sha256[:12]} -> "
            f"{change.new_sha256[:12]}, notice {change.old_notice} -> {change.new_notice}; "
            "a running server enforces it within seconds",
            markup=False,
        )
        for purpose, count in change.reconfirm.items():
            console.print(
                f"{count} consent(s) to {purpose} were given under terms this policy changes: "
                "they no longer count until confirmed again (see /console/consents/reconfirm)",
                markup=False,
            )

    emit(asdict(change), as_json=as_json, render=render)


@app.command("list")
def list_organisations(
    db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False
) -> None:
    """The organisations in the store, with the notice version each serves."""
    wants_json(as_json)
    with opened(db, keys) as store:
        with store.sessions() as session:
            keys_found = store.organisations(session)
        listed = [
            {
                "organisation": key,
                "name": (policy := store.policy_of(key)).organisation.display_name,
                "notice_version": policy.notice.version,
            }
            for key in keys_found
        ]

    def render() -> None:
        table = Table("organisation", "name", "notice version")
        for row in listed:
            table.add_row(row["organisation"], row["name"], row["notice_version"])
        console.print(table)

    emit({"organisations": listed}, as_json=as_json, render=render)

"""``hippocratic init`` and ``hippocratic demo``: create a store and fill it with synthetic data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.services import demo as demo_service
from hippocratic.services.store import Store, init_store, open_store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default HIPPOCRATIC_DATABASE_URL, then sqlite:///var/hippocratic.db).",
    ),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="Key directory (default HIPPOCRATIC_KEYS_DIR, then var/keys)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


@contextmanager
def opened(db: str | None, keys: Path | None) -> Iterator[Store]:
    """The store for one command, its connections closed however the command ends."""
    store = open_store(db, keys)
    try:
        yield store
    finally:
        store.dispose()


demo_app = typer.Typer(help="Synthetic demo data.", no_args_is_help=True)


def init(
    policy: Annotated[Path, typer.Option("--policy", help="The organisation's policy file.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a store: the schema, the organisation's policy and its keys (master key file 0600).

    Refuses, changing nothing, if the database already holds a store or the key directory
    already holds keys.
    """
    wants_json(as_json)
    store = init_store(policy, db, keys)
    with store.sessions() as session:
        organisations = store.organisations(session)
    store.dispose()
    emit(
        {"organisations": organisations},
        as_json=as_json,
        render=lambda: console.print(f"created a store for {', '.join(organisations)}"),
    )


@demo_app.command("seed")
def seed(
    organisation: Annotated[str, typer.Argument(help="Organisation key, e.g. harmonic.")],
    patients: Annotated[int, typer.Option(min=1, max=10_000, help="How many patients.")] = 20,
    with_staff: Annotated[
        bool,
        typer.Option(
            "--staff/--no-staff",
            help="Also a member of staff per role (random passwords, printed once) and today's "
            "appointments.",
        ),
    ] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Register synthetic patients (test-range NHS numbers, example.org emails) via the guard."""
    wants_json(as_json)
    with opened(db, keys) as store:
        subjects = demo_service.seed(store, organisation, patients)
        accounts = demo_service.seed_staff(store, organisation) if with_staff else []
        today = store.clock.now().astimezone(demo_service.LONDON).date()
        booked = (
            len(demo_service.seed_appointments(store, organisation, today)) if with_staff else 0
        )

    def render() -> None:
        console.print(f"registered {len(subjects)} synthetic patients")
        if accounts:
            console.print(f"booked {booked} appointments for today, {today.isoformat()}")
            table = Table("username", "role", "first password (shown once)")
            for account in accounts:
                table.add_row(account.username, account.role, account.password)
            console.print(table)
            console.print(
                "sign in at http://127.0.0.1:8000/console/sign-in; the first sign-in enrols "
                "an authenticator app (any TOTP app) from a QR code",
                markup=False,
            )

    emit(
        {"patients": len(subjects), "staff": accounts, "appointments": booked}
        if with_staff
        else {"patients": len(subjects)},
        as_json=as_json,
        render=render,
    )

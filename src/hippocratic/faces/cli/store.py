"""``hippocratic init`` and ``hippocratic demo``: create a store and fill it with synthetic data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import pyotp
import typer
from rich.table import Table

from hippocratic.errors import ConfigurationError, NotFound
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.services import demo as demo_service
from hippocratic.services.actor import Actor
from hippocratic.services.demo_history import seed_history
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store, init_store, keys_dir, open_store

DEMO_USERS = "demo-users.json"
"""Beside the keys (mode 0600): the demo accounts' passwords and authenticator secrets, which
the store itself keeps only as an argon2id hash and a sealed secret."""

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
Org = Annotated[str, typer.Option("--org", help="The organisation's key.")]


def dpo_actor(store: Store, organisation: str) -> Actor:
    """The command line acts as the organisation's DPO role (the policy's ``dpo: true``)."""
    role = next((r.key for r in store.policy_of(organisation).roles if r.dpo), None)
    if role is None:
        raise ConfigurationError(f"{organisation}'s policy has no DPO role")
    return Actor(organisation, OPERATOR, role)


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
            help="Also a member of staff per role (random passwords, shown by `demo users`), "
            "today's appointments and the last three weeks' visits, reports, payments, calls, "
            "referrals and enquiries.",
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
        if accounts:
            _remember(keys, organisation, accounts)
        booked = (
            len(demo_service.seed_appointments(store, organisation, today)) if with_staff else 0
        )
        past = seed_history(store, organisation, subjects, today) if with_staff else None

    def render() -> None:
        console.print(f"registered {len(subjects)} synthetic patients")
        if accounts:
            console.print(f"booked {booked} appointments for today, {today.isoformat()}")
        if past is not None:
            console.print(
                f"and the last three weeks: {past.visits} visits attended with "
                f"{past.reports} reports, {past.payments} payments, {past.communications} calls "
                f"and emails, {past.referrals} referrals, {past.enquiries} enquiries, "
                f"{past.consents} consent events"
            )
            console.print(
                f"made {len(accounts)} demo staff, one per role: `hippocratic demo users` "
                "shows their passwords and a current authenticator code",
                markup=False,
            )

    emit(
        {
            "patients": len(subjects),
            "staff": [_public(a) for a in accounts],
            "appointments": booked,
            "history": asdict(past) if past else None,
        }
        if with_staff
        else {"patients": len(subjects)},
        as_json=as_json,
        render=render,
    )


def _public(account: demo_service.DemoAccount) -> dict[str, str]:
    return {"username": account.username, "role": account.role}


def _remember(
    keys: Path | None, organisation: str, accounts: list[demo_service.DemoAccount]
) -> None:
    path = keys_dir(keys) / DEMO_USERS
    kept = [u for u in _demo_users(path) if u["organisation"] != organisation]
    kept += [
        {
            "organisation": organisation,
            "username": a.username,
            "role": a.role,
            "password": a.password,
            "totp_secret": a.totp_secret,
        }
        for a in accounts
    ]
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")


def _demo_users(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    users: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return users


@demo_app.command("users")
def users(keys: KeysOption = None, as_json: JsonFlag = False) -> None:
    """The demo staff (one per role, from ``demo seed --staff``): username, password, the
    authenticator secret and the code it gives now, so a newcomer or a test can sign in.

    For a demo store only: real accounts are made with ``staff add`` and nothing keeps their
    passwords.
    """
    wants_json(as_json)
    path = keys_dir(keys) / DEMO_USERS
    found = _demo_users(path)
    if not found:
        raise NotFound(
            "this store has no demo staff",
            hint="make them with `hippocratic demo seed ORGANISATION --staff`",
        )
    listed = [{**u, "code_now": pyotp.TOTP(u["totp_secret"]).now()} for u in found]

    def render() -> None:
        table = Table()
        # Whole values on one line each, so a password or code can be copied as it stands;
        # only the long authenticator secret folds on a narrow terminal.
        for heading in ("organisation", "username", "password", "code now"):
            table.add_column(heading, no_wrap=True)
        table.add_column("secret", overflow="fold")
        for user in listed:
            table.add_row(
                user["organisation"],
                user["username"],
                user["password"],
                user["code_now"],
                user["totp_secret"],
            )
        console.print(table)
        console.print(
            "sign in at http://localhost:8000/console/sign-in (localhost, so passkeys work "
            "too); for the code, add the secret to any authenticator app or run this command "
            "again (a code lasts 30 seconds)",
            markup=False,
        )

    emit({"users": listed}, as_json=as_json, render=render)

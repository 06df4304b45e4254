"""``hippocratic staff`` and ``hippocratic token``: who may sign in to the console and which
integrations may call the API. Every change is a security event on the ledger."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.table import Table

from hippocratic.faces.cli.arguments import parse_optional_date
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, opened
from hippocratic.services import api_token, staff, staff_session, staff_training
from hippocratic.services.staff import StaffMember

staff_app = typer.Typer(help="Staff accounts for the console.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
Org = Annotated[str, typer.Argument(help="Organisation key, e.g. harmonic.")]
Username = Annotated[str, typer.Argument(help="The member of staff's username.")]
SignedOption = Annotated[
    str | None,
    typer.Option(
        "--confidentiality-signed",
        help="The date (YYYY-MM-DD) they signed the confidentiality agreement.",
    ),
]
TrainedOption = Annotated[
    str | None,
    typer.Option("--trained", help="The date (YYYY-MM-DD) they completed data-security training."),
]


def _show(member: StaffMember, as_json: bool, said: str) -> None:
    emit(member, as_json=as_json, render=lambda: console.print(said, markup=False))


@staff_app.command("add")
def add(
    organisation: Org,
    username: Username,
    name: Annotated[str, typer.Option("--name", help="Full name, as colleagues know them.")],
    role: Annotated[str, typer.Option("--role", help="A role key of the policy.")],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="HIPPOCRATIC_STAFF_PASSWORD",
            help="Their first password (default: a random one, printed once).",
        ),
    ] = None,
    confidentiality_signed: SignedOption = None,
    trained: TrainedOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an account; its authenticator is enrolled at the first sign-in. It can sign in
    only once its confidentiality agreement and training are recorded (here or with
    ``staff training``)."""
    wants_json(as_json)
    given = password or secrets.token_urlsafe(12)
    signed = parse_optional_date(confidentiality_signed, "confidentiality_signed")
    trained_on = parse_optional_date(trained, "trained")
    with opened(db, keys) as store:
        member = staff.add(
            store,
            organisation,
            username,
            name,
            role,
            given,
            confidentiality_signed=signed,
            trained=trained_on,
        )
    data = {"member": member, "password": None if password else given}
    emit(
        data,
        as_json=as_json,
        render=lambda: console.print(
            f"added {username} ({member.role_title}) to {organisation}"
            + ("" if password else f"; first password, shown once: {given}")
            + (
                f"\nnot yet able to sign in: {staff_training.MESSAGES[member.access_refused]}"
                if member.access_refused
                else ""
            ),
            markup=False,
        ),
    )


@staff_app.command("training")
def training(
    organisation: Org,
    username: Username,
    confidentiality_signed: SignedOption = None,
    trained: TrainedOption = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a signed confidentiality agreement and/or completed data-security training; an
    account that sees patient data needs both, the training current, to sign in (L-13)."""
    wants_json(as_json)
    signed = parse_optional_date(confidentiality_signed, "confidentiality_signed")
    trained_on = parse_optional_date(trained, "trained")
    with opened(db, keys) as store:
        record = staff_training.record(
            store, organisation, username, confidentiality_signed=signed, trained=trained_on
        )

    def render() -> None:
        expires = record.training_expires_on
        console.print(
            f"{username}: confidentiality signed {record.confidentiality_signed_at or 'never'}, "
            f"trained {record.training_completed_at or 'never'}"
            + (f" (valid until {expires})" if expires else ""),
            markup=False,
        )
        if record.refusal is not None:
            console.print(
                f"still cannot sign in: {staff_training.MESSAGES[record.refusal]}", markup=False
            )

    emit(record, as_json=as_json, render=render)


@staff_app.command("list")
def list_staff(
    organisation: Org, db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False
) -> None:
    """Everyone with an account, their role and whether their second factor is set up."""
    wants_json(as_json)
    with opened(db, keys) as store:
        members = staff.list_staff(store, organisation)

    def render() -> None:
        table = Table("username", "name", "role", "second factor", "training", "status")
        for m in members:
            status = "disabled" if m.disabled else "active"
            if not m.disabled and m.access_refused is not None:
                status = f"suspended: {staff_training.MESSAGES[m.access_refused]}"
            enrolled = "enrolled" if m.second_factor else "at first sign-in"
            until = f"until {m.training_expires_on}" if m.training_expires_on else "none"
            table.add_row(m.username, m.display_name, m.role_title, enrolled, until, status)
        console.print(table)

    emit(members, as_json=as_json, render=render)


@staff_app.command("disable")
def disable(
    organisation: Org,
    username: Username,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """No more sign-ins; every open session ends now."""
    wants_json(as_json)
    with opened(db, keys) as store:
        member = staff.disable(store, organisation, username)
    _show(member, as_json, f"disabled {username}; their sessions have ended")


@staff_app.command("role")
def role(
    organisation: Org,
    username: Username,
    new_role: Annotated[str, typer.Argument(help="The role key they move to.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Move someone to another role; their sessions end, so the new role applies at once."""
    wants_json(as_json)
    with opened(db, keys) as store:
        member = staff.set_role(store, organisation, username, new_role)
    _show(member, as_json, f"{username} is now {member.role_title}")


@staff_app.command("reset-2fa")
def reset_second_factor(
    organisation: Org,
    username: Username,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Forget a lost authenticator: the next sign-in enrols a new one."""
    wants_json(as_json)
    with opened(db, keys) as store:
        member = staff.reset_second_factor(store, organisation, username)
    _show(member, as_json, f"{username} enrols a new authenticator at the next sign-in")


@staff_app.command("sign-out")
def sign_out(
    organisation: Org,
    username: Username,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """End every session of this member of staff, on every device."""
    wants_json(as_json)
    with opened(db, keys) as store:
        ended = staff_session.sign_out_everywhere(store, organisation, username)
    emit(
        {"sessions_ended": ended},
        as_json=as_json,
        render=lambda: console.print(f"ended {ended} session(s) of {username}", markup=False),
    )


@token_app.command("issue")
def issue(
    organisation: Org,
    role: Annotated[str, typer.Option("--role", help="The role the token acts in.")],
    label: Annotated[str, typer.Option("--label", help="What uses it, e.g. 'booking site'.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A new API token; it is printed once and only its hash is kept."""
    wants_json(as_json)
    with opened(db, keys) as store:
        issued = api_token.issue(store, organisation, role, label)
    emit(
        issued,
        as_json=as_json,
        render=lambda: console.print(
            f"token {issued.token.token_id} acts as {role}; shown once, keep it safe:\n"
            f"{issued.secret}",
            markup=False,
        ),
    )


@token_app.command("list")
def list_tokens(
    organisation: Org, db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False
) -> None:
    """Every token: its role, who issued it, when it was last used, whether it is revoked."""
    wants_json(as_json)
    with opened(db, keys) as store:
        tokens = api_token.list_tokens(store, organisation)

    def render() -> None:
        table = Table("id", "label", "role", "last used", "status")
        for t in tokens:
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
            table.add_row(t.token_id, t.label, t.role, used, "revoked" if t.revoked else "active")
        console.print(table)

    emit(tokens, as_json=as_json, render=render)


@token_app.command("revoke")
def revoke(
    organisation: Org,
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Stop a token working, from its next request."""
    wants_json(as_json)
    with opened(db, keys) as store:
        revoked = api_token.revoke(store, organisation, token_id)
    emit(revoked, as_json=as_json, render=lambda: console.print(f"revoked {token_id}"))

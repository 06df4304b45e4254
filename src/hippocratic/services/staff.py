"""Staff accounts: who may sign in, in which role from the organisation's policy.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended
setting) and rehashed on sign-in when the parameters change; NIST SP 800-63B rules: at least
12 characters, at most 256, anything printable, never the username. Every change to an
account is a security event on the ledger, in the same transaction as the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from argon2 import PasswordHasher
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.services import security_event, staff_training
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store
from hippocratic.storage.staff import PasskeyRow, StaffRow, StaffSessionRow

HASHER = PasswordHasher()
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256


@dataclass(frozen=True)
class StaffMember:
    organisation: str
    username: str
    display_name: str
    role: str
    role_title: str
    second_factor: bool
    """An authenticator app is enrolled (or a passkey registered)."""
    passkeys: int
    disabled: bool
    created_at: datetime
    confidentiality_signed_at: date | None = None
    training_completed_at: date | None = None
    training_expires_on: date | None = None
    access_refused: staff_training.Clearance | None = None
    """Why the account may not sign in or act (L-13), or None when it may."""


def check_password(username: str, password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            field="password",
            hint="a few unrelated words make a long password that is easy to remember",
        )
    if password.lower() == username.lower():
        raise InputError("a password cannot be the username", field="password")


def _role_title(store: Store, organisation: str, role: str) -> str:
    policy = store.policy_of(organisation)
    spec = policy.role_by_key.get(role)
    if spec is None:
        raise InputError(
            f"{role!r} is not a role in {policy.organisation.display_name}'s policy",
            field="role",
            hint=f"use one of: {', '.join(policy.role_by_key)}",
        )
    return spec.title


def _member(store: Store, row: StaffRow, passkeys: int) -> StaffMember:
    policy = store.policy_of(row.organisation_id)
    role = policy.role_by_key.get(row.role)
    training = staff_training.record_of(store, row)
    return StaffMember(
        row.organisation_id,
        row.username,
        row.display_name,
        row.role,
        role.title if role else row.role,
        row.totp_confirmed_at is not None or passkeys > 0,
        passkeys,
        row.disabled_at is not None,
        row.created_at,
        training.confidentiality_signed_at,
        training.training_completed_at,
        training.training_expires_on,
        training.refusal,
    )


def add(
    store: Store,
    organisation: str,
    username: str,
    display_name: str,
    role: str,
    password: str,
    by: str = OPERATOR,
    *,
    confidentiality_signed: date | None = None,
    trained: date | None = None,
) -> StaffMember:
    """A new account; its second factor is enrolled at its first sign-in. Until its
    confidentiality agreement and training are recorded (here or by
    ``staff_training.record``) an account in a role that sees patient data cannot sign in."""
    if not USERNAME.match(username):
        raise InputError(
            f"{username!r} is not a username",
            field="username",
            hint="lower-case letters, digits, dots, dashes; starting with a letter",
        )
    name = " ".join(display_name.split())
    if not 1 <= len(name) <= 120:
        raise InputError("a display name has 1 to 120 characters", field="name")
    _role_title(store, organisation, role)
    check_password(username, password)
    staff_training.check_dates(store, confidentiality_signed, trained)
    hashed = HASHER.hash(password)
    with store.sessions.begin() as session:
        if session.get(StaffRow, (organisation, username)) is not None:
            raise Conflict(f"{username} already has an account here", field="username")
        row = StaffRow(
            organisation_id=organisation,
            username=username,
            display_name=name,
            role=role,
            password_hash=hashed,
            totp_last_step=0,
            failed_attempts=0,
            created_at=store.clock.now(),
            confidentiality_signed_at=confidentiality_signed,
            training_completed_at=trained,
        )
        session.add(row)
        session.flush()
        security_event.record(
            session,
            store,
            organisation,
            by,
            OPERATOR,
            "staff.created",
            reason=f"{username} as {role}"
            + (
                f", confidentiality signed {confidentiality_signed}"
                if confidentiality_signed
                else ""
            )
            + (f", trained {trained}" if trained else ""),
        )
    return _member(store, row, 0)


def get(store: Store, organisation: str, username: str) -> StaffMember:
    with store.sessions() as session:
        row = session.get(StaffRow, (organisation, username))
        if row is None:
            raise NotFound(f"no member of staff {username!r} here", field="username")
        return _member(store, row, _passkeys(session, organisation, username))


def _passkeys(session: Session, organisation: str, username: str) -> int:
    return len(
        session.scalars(
            select(PasskeyRow.credential_id).where(
                PasskeyRow.organisation_id == organisation, PasskeyRow.username == username
            )
        ).all()
    )


def list_staff(store: Store, organisation: str) -> list[StaffMember]:
    store.policy_of(organisation)
    with store.sessions() as session:
        rows = session.scalars(
            select(StaffRow)
            .where(StaffRow.organisation_id == organisation)
            .order_by(StaffRow.username)
        ).all()
        return [_member(store, row, _passkeys(session, organisation, row.username)) for row in rows]


def clinicians(store: Store, organisation: str) -> list[StaffMember]:
    """Active staff in a clinical role (one with care relationships): who can be booked."""
    policy = store.policy_of(organisation)
    clinical = {role.key for role in policy.roles if role.care_relationship_required}
    return [m for m in list_staff(store, organisation) if m.role in clinical and not m.disabled]


def _change(
    store: Store,
    organisation: str,
    username: str,
    action: str,
    by: str,
    reason: str | None = None,
    **values: object,
) -> StaffMember:
    with store.sessions.begin() as session:
        row = session.get(StaffRow, (organisation, username))
        if row is None:
            raise NotFound(f"no member of staff {username!r} here", field="username")
        for name, value in values.items():
            setattr(row, name, value)
        revoke_sessions(session, store, organisation, username)
        if action == "staff.second_factor_reset":
            session.execute(
                delete(PasskeyRow).where(
                    PasskeyRow.organisation_id == organisation, PasskeyRow.username == username
                )
            )
        security_event.record(
            session, store, organisation, by, OPERATOR, action, reason=reason or username
        )
        passkeys = _passkeys(session, organisation, username)
    return _member(store, row, passkeys)


def revoke_sessions(session: Session, store: Store, organisation: str, username: str) -> int:
    """End every open session of this member of staff, in the caller's transaction."""
    result = session.execute(
        update(StaffSessionRow)
        .where(
            StaffSessionRow.organisation_id == organisation,
            StaffSessionRow.username == username,
            StaffSessionRow.revoked_at.is_(None),
        )
        .values(revoked_at=store.clock.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def disable(store: Store, organisation: str, username: str, by: str = OPERATOR) -> StaffMember:
    """No more sign-ins, and every open session ends now."""
    return _change(
        store, organisation, username, "staff.disabled", by, disabled_at=store.clock.now()
    )


def set_role(
    store: Store, organisation: str, username: str, role: str, by: str = OPERATOR
) -> StaffMember:
    """Another role; open sessions end, so the next request is decided under the new one."""
    _role_title(store, organisation, role)
    return _change(
        store, organisation, username, "staff.role_changed", by, f"{username} now {role}", role=role
    )


def reset_second_factor(
    store: Store, organisation: str, username: str, by: str = OPERATOR
) -> StaffMember:
    """Forget the authenticator and passkeys (a lost phone): the next sign-in enrols again."""
    return _change(
        store,
        organisation,
        username,
        "staff.second_factor_reset",
        by,
        totp_secret=None,
        totp_confirmed_at=None,
        totp_last_step=0,
    )

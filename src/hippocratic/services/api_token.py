"""API tokens for integrations: one role in one organisation, shown once, revocable.

A token reads ``hip_<organisation>_<id>_<secret>``: the organisation and id say which row to
look at, the secret (32 random bytes, base64url) is checked against its SHA-256, the only form
stored. A token issued by a member of staff works only while that member's confidentiality
agreement and training are current (L-13), and while their account is not disabled (a leaver's
tokens stop with their sign-in); one issued by the operator (an integration) has no person
behind it. The role is one of the policy's roles, so the guard decides a
token's requests exactly as it decides a person's in that role; its actor on the ledger is
``token:<id>``. Issuing and revoking are security events.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update

from hippocratic.errors import InputError, NotFound, SignInRequired
from hippocratic.services import security_event, staff_training
from hippocratic.services.actor import Actor
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store
from hippocratic.storage.database import read_connection
from hippocratic.storage.staff import ApiTokenRow, StaffRow

PREFIX = "hip"
TOKEN = re.compile(r"^hip_([a-z][a-z0-9_]{0,63})_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
TOUCH_EVERY_SECONDS = 60
_CHECK = (
    select(
        ApiTokenRow.token_hash,
        ApiTokenRow.role,
        ApiTokenRow.revoked_at,
        ApiTokenRow.last_used_at,
        StaffRow.username.label("owner"),
        StaffRow.confidentiality_signed_at,
        StaffRow.training_completed_at,
        StaffRow.disabled_at.label("owner_disabled_at"),
    )
    .outerjoin(
        StaffRow,
        and_(
            StaffRow.organisation_id == ApiTokenRow.organisation_id,
            StaffRow.username == ApiTokenRow.created_by,
        ),
    )
    .where(
        ApiTokenRow.organisation_id == bindparam("organisation"),
        ApiTokenRow.token_id == bindparam("token"),
    )
)
"""Built once: every API request checks its token, and the account and (L-13) training of the
member of staff who issued it, in the same one query."""


@dataclass(frozen=True)
class ApiToken:
    organisation: str
    token_id: str
    label: str
    role: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str
    """The whole token, shown once: nothing can show it again."""


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _model(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        row.organisation_id,
        row.token_id,
        row.label,
        row.role,
        row.created_by,
        row.created_at,
        row.last_used_at,
        row.revoked_at is not None,
    )


def issue(
    store: Store, organisation: str, role: str, label: str, by: str = OPERATOR
) -> IssuedToken:
    """A new token acting in ``role``; the caller shows ``secret`` once."""
    policy = store.policy_of(organisation)
    if role not in policy.role_by_key:
        raise InputError(
            f"{role!r} is not a role in {policy.organisation.display_name}'s policy",
            field="role",
            hint=f"use one of: {', '.join(policy.role_by_key)}",
        )
    label = " ".join(label.split())
    if not 1 <= len(label) <= 120:
        raise InputError("a token's label has 1 to 120 characters", field="label")
    token_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    whole = f"{PREFIX}_{organisation}_{token_id}_{secret}"
    with store.sessions.begin() as session:
        row = ApiTokenRow(
            organisation_id=organisation,
            token_id=token_id,
            token_hash=_digest(secret),
            label=label,
            role=role,
            created_by=by,
            created_at=store.clock.now(),
        )
        session.add(row)
        session.flush()
        security_event.record(
            session,
            store,
            organisation,
            by,
            OPERATOR,
            "api_token.issued",
            reason=f"token:{token_id} as {role} ({label})",
        )
    return IssuedToken(_model(row), whole)


def list_tokens(store: Store, organisation: str) -> list[ApiToken]:
    store.policy_of(organisation)
    with store.sessions() as session:
        rows = session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.organisation_id == organisation)
            .order_by(ApiTokenRow.created_at, ApiTokenRow.token_id)
        ).all()
        return [_model(row) for row in rows]


def revoke(store: Store, organisation: str, token_id: str, by: str = OPERATOR) -> ApiToken:
    """The token stops working at once; its row stays, for the record."""
    with store.sessions.begin() as session:
        row = session.get(ApiTokenRow, (organisation, token_id))
        if row is None:
            raise NotFound(f"no API token {token_id!r} here", field="token")
        if row.revoked_at is None:
            row.revoked_at = store.clock.now()
            security_event.record(
                session,
                store,
                organisation,
                by,
                OPERATOR,
                "api_token.revoked",
                reason=f"token:{token_id}",
            )
        return _model(row)


def authenticate(store: Store, bearer: str | None) -> Actor | None:
    """The actor a bearer token stands for, or None (malformed, unknown, wrong or revoked).

    Raises ``SignInRequired`` (``auth.required``, 401) for a right token whose issuer's account
    is disabled, and ``TrainingRequired`` (``auth.training``, 403) for one whose issuer's
    confidentiality agreement or training is missing or out of date (L-13)."""
    if bearer is None:
        return None
    match = TOKEN.match(bearer)
    if match is None:
        return None
    organisation, token_id, secret = match.groups()
    now = store.clock.now()
    # A read that takes no write lock: most calls only check; the last-used time is written
    # at most once a minute, in a short transaction of its own.
    with read_connection(store.engine) as connection:
        row = connection.execute(_CHECK, {"organisation": organisation, "token": token_id}).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    role, last = row.role, row.last_used_at
    policy = store.policy_of(organisation)
    if role not in policy.role_by_key:
        return None
    if row.owner is not None:
        untrained = staff_training.refusal(
            policy, role, row.confidentiality_signed_at, row.training_completed_at, now.date()
        )
        disabled = row.owner_disabled_at is not None
        why = "account disabled" if disabled else untrained
        if why is not None:
            security_event.record_now(
                store,
                organisation,
                f"token:{token_id}",
                role,
                "api_token.refused",
                allowed=False,
                reason=f"{row.owner}: {why}",
            )
            if disabled or untrained is None:
                raise SignInRequired(
                    "this API token was issued by a member of staff whose account is disabled",
                    hint="ask the DPO for a new token: `hippocratic token issue`",
                )
            raise staff_training.refused(untrained)
    if last is None or (now - last).total_seconds() >= TOUCH_EVERY_SECONDS:
        with store.sessions.begin() as session:
            session.execute(
                update(ApiTokenRow)
                .where(
                    ApiTokenRow.organisation_id == organisation,
                    ApiTokenRow.token_id == token_id,
                )
                .values(last_used_at=now)
            )
    return Actor(organisation, f"token:{token_id}", role)

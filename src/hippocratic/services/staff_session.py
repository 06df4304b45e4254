"""Server-side staff sessions: a random token in an HttpOnly cookie, only its SHA-256 at rest.

A session ends after 15 minutes without a request (``IDLE``) and 12 hours after sign-in
whatever the activity (``ABSOLUTE``), at sign-out, at sign-out everywhere, and when its
member of staff is disabled or changes role. Until the second factor is given it reaches only
the sign-in pages. The CSRF token of a session is derived from its token (HMAC), never
stored: a form or API call that changes anything must carry it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hippocratic.services import security_event, staff_training
from hippocratic.services.actor import Actor
from hippocratic.services.staff import revoke_sessions
from hippocratic.services.store import Store
from hippocratic.storage.database import reading
from hippocratic.storage.staff import StaffRow, StaffSessionRow

IDLE = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
"""How stale ``last_seen_at`` may get: a read does not write the session row every time."""


@dataclass(frozen=True)
class StaffSession:
    organisation: str
    username: str
    display_name: str
    role: str
    role_title: str
    actor: Actor
    csrf_token: str
    second_factor_done: bool
    expires_at: datetime
    """When the session ends if nothing more happens: idle or absolute, whichever is first."""


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"hippocratic csrf", hashlib.sha256).hexdigest()


def check_csrf(session: StaffSession, value: str | None) -> bool:
    return value is not None and hmac.compare_digest(session.csrf_token, value)


def parse(cookie: str | None) -> tuple[str, str] | None:
    """(organisation, token) from a cookie value ``organisation.token``; None if malformed."""
    if not cookie or len(cookie) > 200:
        return None
    organisation, dot, token = cookie.partition(".")
    if not dot or not organisation or len(token) < 32:
        return None
    return organisation, token


def create(session: Session, store: Store, organisation: str, username: str) -> str:
    """A new session (second factor not yet given) in the caller's transaction; returns the
    cookie value, the only place the token ever exists in full."""
    token = secrets.token_urlsafe(32)
    now = store.clock.now()
    session.add(
        StaffSessionRow(
            organisation_id=organisation,
            token_hash=digest(token),
            username=username,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )
    return f"{organisation}.{token}"


def row_of(session: Session, store: Store, cookie: str | None) -> StaffSessionRow | None:
    """The live session row a cookie names (not revoked, not idle, not past its end)."""
    parsed = parse(cookie)
    if parsed is None:
        return None
    organisation, token = parsed
    row = session.get(StaffSessionRow, (organisation, digest(token)))
    now = store.clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + IDLE <= now:
        return None
    return row


def authenticate(
    store: Store, cookie: str | None, *, require_second_factor: bool = True
) -> StaffSession | None:
    """The session a cookie stands for, or None; never raises for a bad cookie."""
    parsed = parse(cookie)
    if parsed is None:
        return None
    organisation, token = parsed
    now = store.clock.now()
    # Read without a write lock; the idle clock is moved at most every TOUCH_EVERY, in a
    # short transaction of its own.
    with reading(store.engine) as session:
        row = row_of(session, store, cookie)
        if row is None:
            return None
        staff = session.get(StaffRow, (organisation, row.username))
        if staff is None or staff.disabled_at is not None:
            return None
        if require_second_factor and row.second_factor_at is None:
            return None
        key, last_seen = (row.organisation_id, row.token_hash), row.last_seen_at
        untrained = staff_training.record_of(store, staff).refusal
    role = store.policy_of(organisation).role_by_key.get(staff.role)
    if role is None:
        return None
    if untrained is not None:
        _suspend(store, staff, untrained)
        return None
    if now - last_seen >= TOUCH_EVERY:
        last_seen = now
        with store.sessions.begin() as session:
            session.execute(
                update(StaffSessionRow)
                .where(
                    StaffSessionRow.organisation_id == key[0],
                    StaffSessionRow.token_hash == key[1],
                )
                .values(last_seen_at=now)
            )
    return StaffSession(
        organisation,
        staff.username,
        staff.display_name,
        staff.role,
        role.title,
        Actor(organisation, staff.username, staff.role),
        csrf_for(token),
        row.second_factor_at is not None,
        min(row.expires_at, last_seen + IDLE),
    )


def _suspend(store: Store, staff: StaffRow, reason: staff_training.Clearance) -> None:
    """Training lapsed (or was never recorded) during a session: every session of the
    account ends now, once, as a security event; signing in again says why (L-13)."""
    with store.sessions.begin() as session:
        ended = revoke_sessions(session, store, staff.organisation_id, staff.username)
        if ended:
            security_event.record(
                session,
                store,
                staff.organisation_id,
                staff.username,
                staff.role,
                "session.suspended",
                allowed=False,
                reason=reason.value,
            )


def sign_out(store: Store, cookie: str | None) -> None:
    parsed = parse(cookie)
    if parsed is None:
        return
    with store.sessions.begin() as session:
        row = row_of(session, store, cookie)
        if row is None:
            return
        row.revoked_at = store.clock.now()
        staff = session.get(StaffRow, (row.organisation_id, row.username))
        security_event.record(
            session,
            store,
            row.organisation_id,
            row.username,
            staff.role if staff else "",
            "sign_out",
        )


def sign_out_everywhere(store: Store, organisation: str, username: str) -> int:
    """End every session of this member of staff, on every device; returns how many."""
    with store.sessions.begin() as session:
        ended = revoke_sessions(session, store, organisation, username)
        staff = session.get(StaffRow, (organisation, username))
        security_event.record(
            session,
            store,
            organisation,
            username,
            staff.role if staff else "",
            "sign_out.everywhere",
            reason=f"{ended} session(s) ended",
        )
    return ended

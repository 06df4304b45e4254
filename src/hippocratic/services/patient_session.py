"""Server-side sessions of patients signed in to the portal, as staff sessions are kept: a
random token in an HttpOnly cookie, only its SHA-256 at rest, an end after 15 minutes without
a request (``IDLE``) or 12 hours after sign-in whatever the activity (``ABSOLUTE``), and at
sign-out. The CSRF token is derived from the token (HMAC, under a label of its own so a staff
session's token could never stand for a patient's), never stored.

A patient session is a row of its own table, under a cookie of its own: it is never a staff
session, and a staff session is never one of these.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hippocratic.guard.decision import SELF_ROLE, self_actor
from hippocratic.services import security_event
from hippocratic.services.actor import Actor
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.staff_session import digest as digest
from hippocratic.services.staff_session import parse as parse
from hippocratic.services.store import Store
from hippocratic.storage.database import reading
from hippocratic.storage.patient_session import PatientSessionRow

IDLE = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
"""How stale ``last_seen_at`` may get: a read does not write the session row every time."""


@dataclass(frozen=True)
class PatientSession:
    organisation: str
    subject: str
    actor: Actor
    """The patient acting for themselves: ``patient:<subject>`` in the ``patient`` role."""
    csrf_token: str
    expires_at: datetime
    """When the session ends if nothing more happens: idle or absolute, whichever is first."""


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"hippocratic portal csrf", hashlib.sha256).hexdigest()


def check_csrf(session: PatientSession, value: str | None) -> bool:
    return value is not None and hmac.compare_digest(session.csrf_token, value)


def create(session: Session, store: Store, organisation: str, subject: str) -> str:
    """A new session in the caller's transaction; returns the cookie value, the only place
    the token ever exists in full."""
    token = secrets.token_urlsafe(32)
    now = store.clock.now()
    session.add(
        PatientSessionRow(
            organisation_id=organisation,
            token_hash=digest(token),
            subject_id=subject,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )
    return f"{organisation}.{token}"


def row_of(session: Session, store: Store, cookie: str | None) -> PatientSessionRow | None:
    """The live session row a cookie names (not ended, not idle, not past its end)."""
    parsed = parse(cookie)
    if parsed is None:
        return None
    organisation, token = parsed
    row = session.get(PatientSessionRow, (organisation, digest(token)))
    now = store.clock.now()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + IDLE <= now:
        return None
    return row


def authenticate(store: Store, cookie: str | None) -> PatientSession | None:
    """The session a cookie stands for, or None; never raises for a bad cookie. A patient
    whose data was erased has no session any more."""
    parsed = parse(cookie)
    if parsed is None:
        return None
    _, token = parsed
    now = store.clock.now()
    with reading(store.engine) as session:
        row = row_of(session, store, cookie)
        if row is None:
            return None
        key = (row.organisation_id, row.token_hash)
        subject, last_seen, ends = row.subject_id, row.last_seen_at, row.expires_at
    if store.vault.is_erased(key[0], subject):
        return None
    if now - last_seen >= TOUCH_EVERY:
        last_seen = now
        with store.sessions.begin() as session:
            session.execute(
                update(PatientSessionRow)
                .where(
                    PatientSessionRow.organisation_id == key[0],
                    PatientSessionRow.token_hash == key[1],
                )
                .values(last_seen_at=now)
            )
    return PatientSession(
        key[0],
        subject,
        patient_actor(key[0], subject),
        csrf_for(token),
        min(ends, last_seen + IDLE),
    )


def sign_out(store: Store, cookie: str | None) -> None:
    """End the session on the server (a security event), whatever the browser does next."""
    with store.sessions.begin() as session:
        row = row_of(session, store, cookie)
        if row is None:
            return
        row.ended_at = store.clock.now()
        security_event.record(
            session,
            store,
            row.organisation_id,
            self_actor(row.subject_id),
            SELF_ROLE,
            "portal.sign_out",
            subject=row.subject_id,
        )

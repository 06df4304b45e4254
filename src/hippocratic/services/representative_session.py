"""Server-side sessions of someone signed in to the portal for a patient, kept as patients'
are (``patient_session``): a random token in an HttpOnly cookie of its own, only its SHA-256 at
rest, 15 minutes idle, 12 hours at most, and a CSRF token derived under a label of its own.

A session stands for its authority, never for the patient: it ends by itself the moment the
authority does (its last day passed, revoked) or the patient is erased.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hippocratic.guard.representation import REPRESENTATIVE_ROLE, representative_actor
from hippocratic.services import security_event
from hippocratic.services.actor import Actor
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.patient_session import ABSOLUTE as ABSOLUTE
from hippocratic.services.patient_session import IDLE
from hippocratic.services.staff_session import digest
from hippocratic.services.staff_session import parse as parse
from hippocratic.services.store import Store
from hippocratic.storage.representative import (
    RepresentativeAuthorityRow,
    RepresentativeSessionRow,
)


@dataclass(frozen=True)
class RepresentativeSession:
    organisation: str
    authority_id: str
    subject: str
    """The patient they act for."""
    actor: Actor
    """``representative:<authority>`` in the ``representative`` role."""
    csrf_token: str
    expires_at: datetime
    valid_until: date


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"hippocratic representative csrf", hashlib.sha256).hexdigest()


def check_csrf(session: RepresentativeSession, value: str | None) -> bool:
    return value is not None and hmac.compare_digest(session.csrf_token, value)


def create(session: Session, store: Store, organisation: str, authority_id: str) -> str:
    token = secrets.token_urlsafe(32)
    now = store.clock.now()
    session.add(
        RepresentativeSessionRow(
            organisation_id=organisation,
            token_hash=digest(token),
            authority_id=authority_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )
    return f"{organisation}.{token}"


def _live(
    session: Session, store: Store, cookie: str | None
) -> tuple[RepresentativeSessionRow, RepresentativeAuthorityRow] | None:
    parsed = parse(cookie)
    if parsed is None:
        return None
    organisation, token = parsed
    row = session.get(RepresentativeSessionRow, (organisation, digest(token)))
    now = store.clock.now()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + IDLE <= now:
        return None
    authority = session.get(RepresentativeAuthorityRow, (organisation, row.authority_id))
    if authority is None or authority.revoked_at is not None:
        return None
    if authority.valid_until < now.astimezone(LONDON).date():
        return None
    return row, authority


def authenticate(store: Store, cookie: str | None) -> RepresentativeSession | None:
    """The session a cookie stands for, or None (also once the authority has ended)."""
    parsed = parse(cookie)
    if parsed is None:
        return None
    _, token = parsed
    now = store.clock.now()
    with store.sessions.begin() as session:
        live = _live(session, store, cookie)
        if live is None:
            return None
        row, authority = live
        if store.vault.is_erased(row.organisation_id, authority.subject_id):
            return None
        row.last_seen_at = now
        organisation, authority_id = row.organisation_id, row.authority_id
        subject, ends, until = authority.subject_id, row.expires_at, authority.valid_until
    return RepresentativeSession(
        organisation,
        authority_id,
        subject,
        Actor(organisation, representative_actor(authority_id), REPRESENTATIVE_ROLE),
        csrf_for(token),
        min(ends, now + IDLE),
        until,
    )


def sign_out(store: Store, cookie: str | None) -> None:
    with store.sessions.begin() as session:
        live = _live(session, store, cookie)
        if live is None:
            return
        row, authority = live
        row.ended_at = store.clock.now()
        security_event.record(
            session, store, row.organisation_id, representative_actor(row.authority_id),
            REPRESENTATIVE_ROLE, "portal.representative_sign_out", subject=authority.subject_id,
        )  # fmt: skip

"""Someone acting for a patient signs in to the portal as a patient does
(``patient_sign_in``): a one-time code sent to the email address recorded with their
authority, asked for with that address and, as the knowledge check, the patient's date of
birth (who they act for, which a stranger holding the address would not know).

The answer to asking is the same whatever happens (no authority, a date of birth that does
not match, an authority ended or revoked, too many codes); the code goes only to the address
recorded, never to what was typed. A code is six digits, ten minutes, once, five wrong tries at
most, three in fifteen minutes; at rest only an HMAC under a secret of the organisation in the
key store, of its own (``CODE_KEY``). Every request, sign-in and failure is a security event
about the patient, naming the authority where one matched; none records the code, the address
or the date typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import DetailKind, date_of_birth, email
from hippocratic.errors import AuthenticationFailed, Erased, InputError, NotFound
from hippocratic.guard.representation import REPRESENTATIVE_ROLE, representative_actor
from hippocratic.services import representative_session, security_event
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.code_delivery import contact_fields, message
from hippocratic.services.patient_sign_in import (
    FAILED,
    LIFETIME,
    MAX_CANDIDATES,
    MAX_CODES,
    MAX_WRONG,
    MINUTES,
    PORTAL,
    WINDOW,
    CodeRequest,
)
from hippocratic.services.representatives import CONTACT, CONTACT_INDEX
from hippocratic.services.store import Store
from hippocratic.storage.ciphertext import unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.repository import PatientRepository
from hippocratic.storage.representative import RepresentativeAuthorityRow, RepresentativeCodeRow

CODE_KEY = "representative_sign_in_codes"


def _digest(store: Store, organisation: str, code_id: str, code: str) -> bytes:
    key = store.vault.minted_secret(organisation, CODE_KEY)
    return hmac.new(key, f"{organisation}\x1f{code_id}\x1f{code}".encode(), "sha256").digest()


def _code_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _event(
    session: Session,
    store: Store,
    organisation: str,
    action: str,
    *,
    authority: str | None = None,
    subject: str | None = None,
    allowed: bool = False,
    reason: str | None = None,
) -> None:
    actor = representative_actor(authority) if authority and allowed else PORTAL
    security_event.record(
        session,
        store,
        organisation,
        actor,
        REPRESENTATIVE_ROLE,
        action,
        allowed=allowed,
        reason=reason,
        subject=subject,
    )


def _born(store: Store, session: Session, organisation: str, subject: str, dob: str) -> str:
    """The patient's date of birth as held, or '' if it is not (or they were erased)."""
    vault = store.vault.for_organisation(organisation)
    for row in PatientRepository(session, organisation).values(subject, [dob]):
        try:
            if row.ciphertext is not None:
                return vault.decrypt_field(subject, row.field, bytes(row.ciphertext))
        except Erased:
            return ""
        return row.value or ""
    return ""


def request_code(store: Store, organisation: str, typed: str, born: str) -> CodeRequest:
    """Ask for a code for whoever holds a live authority recorded with this email address,
    for a patient born on ``born``; the answer says nothing of whether anyone matched."""
    with store.sessions() as session:
        if session.get(OrganisationRow, organisation) is None:
            raise NotFound(f"no organisation {organisation!r} here", field="organisation")
        policy = store.policy(session, organisation)
    address = email(typed, "contact")
    now = store.clock.now()
    today = now.astimezone(LONDON).date()
    try:
        dob = date_of_birth(born, "date of birth", today)
    except InputError as bad:
        raise InputError(bad.message, field="date_of_birth", hint=bad.hint) from None
    dob_field = contact_fields(policy).get(DetailKind.DATE_OF_BIRTH, "date_of_birth")
    token = secrets.token_urlsafe(32)
    cookie = f"{organisation}.{token}"
    index = store.vault.blind_index(organisation, CONTACT_INDEX, address)
    with store.sessions.begin() as session:
        candidates = list(
            session.scalars(
                select(RepresentativeAuthorityRow)
                .where(
                    RepresentativeAuthorityRow.organisation_id == organisation,
                    RepresentativeAuthorityRow.contact_index == index,
                    RepresentativeAuthorityRow.revoked_at.is_(None),
                    RepresentativeAuthorityRow.valid_until >= today,
                )
                .order_by(RepresentativeAuthorityRow.authority_id)
                .limit(MAX_CANDIDATES)
            )
        )
        matched = [
            row
            for row in candidates
            if hmac.compare_digest(
                _born(store, session, organisation, row.subject_id, dob_field).encode(),
                dob.encode(),
            )
        ]
        if len(matched) != 1:
            why = (
                "no live authority has this address"
                if not candidates
                else ("the date of birth did not match" if not matched else "more than one match")
            )
            subjects: list[str | None] = [row.subject_id for row in candidates] or [None]
            for subject in subjects:
                _event(
                    session,
                    store,
                    organisation,
                    "portal.representative_code",
                    subject=subject,
                    reason=why,
                )
            return CodeRequest(cookie, organisation=organisation)
        (row,) = matched
        recent = session.scalar(
            select(func.count())
            .select_from(RepresentativeCodeRow)
            .where(
                RepresentativeCodeRow.organisation_id == organisation,
                RepresentativeCodeRow.authority_id == row.authority_id,
                RepresentativeCodeRow.created_at > now - WINDOW,
            )
        )
        if (recent or 0) >= MAX_CODES:
            _event(
                session,
                store,
                organisation,
                "portal.representative_code",
                subject=row.subject_id,
                reason=f"{MAX_CODES} codes in 15 minutes already",
            )
            return CodeRequest(cookie, organisation=organisation)
        code = f"{secrets.randbelow(1_000_000):06d}"
        code_id = _code_id(token)
        session.add(
            RepresentativeCodeRow(
                organisation_id=organisation,
                code_id=code_id,
                authority_id=row.authority_id,
                code_digest=_digest(store, organisation, code_id, code),
                created_at=now,
                expires_at=now + LIFETIME,
                attempts=0,
            )
        )
        _event(
            session,
            store,
            organisation,
            "portal.representative_code",
            subject=row.subject_id,
            allowed=True,
            reason=f"for authority {row.authority_id}",
        )
        key = store.vault.for_organisation(organisation).subject_key(row.subject_id)
        where = record_field(CONTACT, row.authority_id)
        to = unseal(key, organisation, row.subject_id, where, bytes(row.contact))
        subject = row.subject_id
    return CodeRequest(cookie, message(policy, "email", to, code, MINUTES), organisation, subject)


def verify_code(store: Store, cookie: str | None, code: str) -> str:
    """The code typed: right, a representative's session starts (its cookie returned); else
    ``AuthenticationFailed`` with one message, whatever was wrong."""
    parsed = representative_session.parse(cookie)
    if parsed is None:
        raise AuthenticationFailed(FAILED, hint="ask for a new code")
    organisation, token = parsed
    code = "".join(code.split())
    code_id = _code_id(token)
    now = store.clock.now()
    started: str | None = None
    with store.sessions.begin() as session:
        row = session.get(RepresentativeCodeRow, (organisation, code_id), with_for_update=True)
        authority = (
            session.get(RepresentativeAuthorityRow, (organisation, row.authority_id))
            if row is not None
            else None
        )
        why = _unusable(row, authority, now, code, _digest(store, organisation, code_id, code))
        subject = authority.subject_id if authority is not None else None
        if row is not None and why is not None and why.startswith("a wrong code"):
            row.attempts += 1
            why = f"a wrong code ({row.attempts} of {MAX_WRONG})"
        if why is None and row is not None and authority is not None:
            row.used_at = now
            started = representative_session.create(session, store, organisation, row.authority_id)
            _event(
                session,
                store,
                organisation,
                "portal.representative_sign_in",
                authority=authority.authority_id,
                subject=subject,
                allowed=True,
                reason="with a code sent by email",
            )
        else:
            _event(
                session,
                store,
                organisation,
                "portal.representative_sign_in",
                subject=subject,
                reason=why,
            )
    if started is None:
        raise AuthenticationFailed(FAILED, hint="ask for a new code")
    return started


def _unusable(
    row: RepresentativeCodeRow | None,
    authority: RepresentativeAuthorityRow | None,
    now: datetime,
    code: str,
    expected: bytes,
) -> str | None:
    """Why this code does not sign anyone in, or None if it does."""
    if row is None or authority is None:
        return "no code was sent for this sign-in"
    if row.used_at is not None:
        return "the code was used already"
    if row.expires_at <= now:
        return "the code had expired"
    if row.attempts >= MAX_WRONG:
        return f"{MAX_WRONG} wrong codes already"
    if authority.revoked_at is not None or authority.valid_until < now.astimezone(LONDON).date():
        return "the authority has ended"
    if not (len(code) == 6 and code.isdigit()) or not hmac.compare_digest(
        row.code_digest, expected
    ):
        return "a wrong code"
    return None

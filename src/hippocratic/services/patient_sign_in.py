"""Patients sign in to the portal with a one-time code sent to the email address or mobile
number on their record, asked for with that address or number and their date of birth.

Nothing says whether a record matched: asking for a code has one answer whatever happens
(no match, a date of birth that does not match, too many codes lately), and the code goes only
to the contact on record, never to what was typed. The patient is found by the blind index of
the address or number; the date of birth is checked against the stored one, decrypted.

A code is six digits, good for ten minutes (``LIFETIME``), once, and for at most five wrong
tries (``MAX_WRONG``); a patient gets at most three codes in fifteen minutes (``MAX_CODES`` per
``WINDOW``) and ten in a day (``MAX_A_DAY``). At rest it is only an HMAC-SHA256 under a
secret of the organisation kept in the key store (``CODE_KEY``), which a copy of the database
does not hold. Every request, sign-in,
failure and sign-out is a security event on the ledger, about the patient where one matched,
and none records the code, the address or the date of birth typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import DetailKind, date_of_birth
from hippocratic.errors import AuthenticationFailed, Erased, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, self_actor
from hippocratic.services import patient_session, security_event
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.code_delivery import (
    CodeTransports,
    Contact,
    DeliveryFailed,
    SignInMessage,
    contact_fields,
    message,
    parse_contact,
)
from hippocratic.services.store import Store
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.patient_session import PatientSignInCodeRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.repository import PatientRepository

LIFETIME = timedelta(minutes=10)
MINUTES = int(LIFETIME.total_seconds() // 60)
MAX_WRONG = 5
MAX_CODES = 3
WINDOW = timedelta(minutes=15)
MAX_A_DAY = 10
"""Codes a patient gets in 24 hours, so that someone who knows their email address and date
of birth has at most 50 guesses a day at a one-in-a-million code."""
DAY = timedelta(hours=24)
CODE_KEY = "patient_sign_in_codes"
"""The key store purpose of the codes' HMAC key."""
MAX_CANDIDATES = 10
"""Records sharing one email address or number looked at (a family may share one)."""
PORTAL = "portal"
"""The actor of events before anyone is signed in: the portal's sign-in page."""
FAILED = (
    "that code is not right, or it has expired: codes work once, for 10 minutes; "
    "ask for a new one if you need to"
)


@dataclass(frozen=True)
class CodeRequest:
    """What asking for a code leaves: the cookie of this sign-in (set whatever happened) and,
    where a record matched, the message to send, after the answer has gone back."""

    cookie: str = field(repr=False)
    message: SignInMessage | None = field(default=None, repr=False)
    organisation: str = ""
    subject: str | None = field(default=None, repr=False)


def _code_digest(store: Store, organisation: str, code_id: str, code: str) -> bytes:
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
    subject: str | None = None,
    allowed: bool = False,
    reason: str | None = None,
    as_patient: bool = False,
) -> None:
    """A security event of the sign-in. Only a patient who gave the right code acts as
    themselves (``as_patient``); before that, it is the portal's sign-in page that acted."""
    actor = self_actor(subject) if subject is not None and as_patient else PORTAL
    security_event.record(
        session,
        store,
        organisation,
        actor,
        SELF_ROLE,
        action,
        allowed=allowed,
        reason=reason,
        subject=subject,
    )


def _matches(
    session: Session, store: Store, organisation: str, contact: Contact, born: str, dob: str
) -> tuple[list[str], dict[str, str]]:
    """The subjects whose contact matched, and of those, the ones whose date of birth matched
    too, each with their contact as held. ``born`` is the date of birth given, ``dob`` the
    policy's field holding it."""
    index = store.vault.blind_index(organisation, contact.field, contact.value)
    candidates = list(
        session.scalars(
            select(SubjectFieldRow.subject_id)
            .where(
                SubjectFieldRow.organisation_id == organisation,
                SubjectFieldRow.field == contact.field,
                SubjectFieldRow.blind_index == index,
            )
            .order_by(SubjectFieldRow.subject_id)
            .limit(MAX_CANDIDATES)
        )
    )
    vault = store.vault.for_organisation(organisation)
    repository = PatientRepository(session, organisation)
    matched: dict[str, str] = {}
    for subject in candidates:
        held: dict[str, str] = {}
        try:
            for row in repository.values(subject, [dob, contact.field]):
                held[row.field] = (
                    vault.decrypt_field(subject, row.field, bytes(row.ciphertext))
                    if row.ciphertext is not None
                    else row.value or ""
                )
        except Erased:
            continue
        if hmac.compare_digest(held.get(dob, "").encode(), born.encode()):
            matched[subject] = held.get(contact.field, "")
    return candidates, matched


def _over_limit(session: Session, organisation: str, subject: str, now: datetime) -> str | None:
    """Why no further code goes to ``subject`` now, or None."""

    def since(start: datetime) -> int:
        found = session.scalar(
            select(func.count())
            .select_from(PatientSignInCodeRow)
            .where(
                PatientSignInCodeRow.organisation_id == organisation,
                PatientSignInCodeRow.subject_id == subject,
                PatientSignInCodeRow.created_at > start,
            )
        )
        return found or 0

    if since(now - WINDOW) >= MAX_CODES:
        return f"{MAX_CODES} codes in {WINDOW.seconds // 60} minutes already"
    if since(now - DAY) >= MAX_A_DAY:
        return f"{MAX_A_DAY} codes in 24 hours already"
    return None


def request_code(store: Store, organisation: str, typed: str, born: str) -> CodeRequest:
    """Ask for a code for whoever has this email address or mobile number and date of birth.

    The answer is the same whether or not anyone matched; the caller sends ``message`` (with
    ``send``) after answering, so how long sending takes says nothing either. ``InputError``
    only for what is not an email address, a phone number or a date at all."""
    with store.sessions() as session:
        if session.get(OrganisationRow, organisation) is None:
            raise NotFound(f"no organisation {organisation!r} here", field="organisation")
        policy = store.policy(session, organisation)
    contact = parse_contact(policy, typed)
    today = store.clock.now().astimezone(LONDON).date()
    try:
        dob = date_of_birth(born, "date of birth", today)
    except InputError as bad:
        raise InputError(bad.message, field="date_of_birth", hint=bad.hint) from None
    dob_field = contact_fields(policy).get(DetailKind.DATE_OF_BIRTH, "date_of_birth")
    token = secrets.token_urlsafe(32)
    cookie = f"{organisation}.{token}"
    now = store.clock.now()
    channel = "email" if contact.kind is DetailKind.EMAIL else "phone"
    with store.sessions.begin() as session:
        candidates, matched = _matches(session, store, organisation, contact, dob, dob_field)
        if not candidates:
            _event(
                session, store, organisation, "portal.code", reason=f"no record has this {channel}"
            )
            return CodeRequest(cookie, organisation=organisation)
        if len(matched) != 1:
            why = "the date of birth did not match" if not matched else "more than one match"
            for subject in candidates:
                _event(
                    session,
                    store,
                    organisation,
                    "portal.code",
                    subject=subject,
                    allowed=False,
                    reason=why,
                )
            return CodeRequest(cookie, organisation=organisation)
        ((subject, to),) = matched.items()
        limit = _over_limit(session, organisation, subject, now)
        if limit is not None:
            _event(
                session,
                store,
                organisation,
                "portal.code",
                subject=subject,
                allowed=False,
                reason=limit,
            )
            return CodeRequest(cookie, organisation=organisation)
        code = f"{secrets.randbelow(1_000_000):06d}"
        code_id = _code_id(token)
        session.add(
            PatientSignInCodeRow(
                organisation_id=organisation,
                code_id=code_id,
                subject_id=subject,
                channel=channel,
                code_digest=_code_digest(store, organisation, code_id, code),
                created_at=now,
                expires_at=now + LIFETIME,
                attempts=0,
            )
        )
        _event(
            session,
            store,
            organisation,
            "portal.code",
            subject=subject,
            allowed=True,
            reason=f"by {channel}",
        )
    return CodeRequest(cookie, message(policy, channel, to, code, MINUTES), organisation, subject)


def send(store: Store, request: CodeRequest, transports: CodeTransports) -> bool:
    """Send the code, if there is one to send; a failure is a security event, not an error
    (the person was answered already). True if a code went."""
    if request.message is None or request.subject is None:
        return False
    try:
        transports.deliver(request.message)
    except DeliveryFailed as failed:
        security_event.record_now(
            store,
            request.organisation,
            PORTAL,
            SELF_ROLE,
            "portal.code_not_sent",
            allowed=False,
            reason=str(failed),
        )
        return False
    return True


def verify_code(store: Store, cookie: str | None, code: str) -> str:
    """The code typed for this sign-in: right, it starts a session and returns its cookie;
    wrong, expired, used or tried too often, ``AuthenticationFailed`` with one message."""
    parsed = patient_session.parse(cookie)
    if parsed is None:
        raise AuthenticationFailed(FAILED, hint="ask for a new code")
    organisation, token = parsed
    code = "".join(code.split())
    code_id = _code_id(token)
    now = store.clock.now()
    started: str | None = None
    with store.sessions.begin() as session:
        if session.get(OrganisationRow, organisation) is None:
            raise AuthenticationFailed(FAILED, hint="ask for a new code")
        row = session.get(PatientSignInCodeRow, (organisation, code_id), with_for_update=True)
        if row is None:
            _event(
                session,
                store,
                organisation,
                "portal.sign_in",
                allowed=False,
                reason="no code was sent for this sign-in",
            )
        elif row.used_at is not None or row.expires_at <= now or row.attempts >= MAX_WRONG:
            why = (
                "the code was used already"
                if row.used_at is not None
                else "the code had expired"
                if row.expires_at <= now
                else f"{MAX_WRONG} wrong codes already"
            )
            _event(
                session,
                store,
                organisation,
                "portal.sign_in",
                subject=row.subject_id,
                allowed=False,
                reason=why,
            )
        elif not (len(code) == 6 and code.isdigit()) or not hmac.compare_digest(
            row.code_digest, _code_digest(store, organisation, code_id, code)
        ):
            session.execute(
                update(PatientSignInCodeRow)
                .where(
                    PatientSignInCodeRow.organisation_id == organisation,
                    PatientSignInCodeRow.code_id == code_id,
                )
                .values(attempts=PatientSignInCodeRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            session.refresh(row, ["attempts"])
            _event(
                session,
                store,
                organisation,
                "portal.sign_in",
                subject=row.subject_id,
                allowed=False,
                reason=f"a wrong code ({row.attempts} of {MAX_WRONG})",
            )
        elif store.vault.is_erased(organisation, row.subject_id):
            row.used_at = now
            _event(
                session,
                store,
                organisation,
                "portal.sign_in",
                subject=row.subject_id,
                allowed=False,
                reason="the patient's data was erased",
            )
        else:
            session.execute(
                update(PatientSignInCodeRow)
                .where(
                    PatientSignInCodeRow.organisation_id == organisation,
                    PatientSignInCodeRow.subject_id == row.subject_id,
                    PatientSignInCodeRow.used_at.is_(None),
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            started = patient_session.create(session, store, organisation, row.subject_id)
            _event(
                session,
                store,
                organisation,
                "portal.sign_in",
                subject=row.subject_id,
                allowed=True,
                as_patient=True,
                reason=f"with a code sent by {row.channel}",
            )
    if started is None:
        raise AuthenticationFailed(FAILED, hint="ask for a new code")
    return started

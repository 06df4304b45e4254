"""Passkeys for the patient portal: a patient signed in with the emailed code (and their date
of birth) may register a passkey on their device, and then sign in with it alone.

A passkey stands in for both of those steps: it is bound to this site, it proves possession of
a key the device holds, and user verification (the device's PIN or biometric) is required. The
server keeps its public key and signature counter, never a secret; a counter that goes
backwards (a cloned authenticator) is refused. Sign-in uses discoverable credentials, so the
browser offers the patient's own passkeys without being told who they are; nothing on the
sign-in page says whether anyone has one. Every challenge is random, good once and for five
minutes. Registering, removing and each passkey sign-in, allowed or refused, are security
events on the ledger; a patient whose data was erased cannot sign in.

The relying party is the portal's host, as for staff passkeys (``passkey.RelyingParty``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from hippocratic.errors import AuthenticationFailed, InputError, NotFound, SignInRequired
from hippocratic.guard.decision import SELF_ROLE, self_actor
from hippocratic.services import patient_session, security_event
from hippocratic.services.passkey import MALFORMED, MAX_PASSKEYS, RelyingParty, credential_id_of
from hippocratic.services.patient_sign_in import PORTAL
from hippocratic.services.store import Store
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.patient_passkey import PatientPasskeyChallengeRow, PatientPasskeyRow
from hippocratic.storage.patient_session import PatientSessionRow

CHALLENGE_FOR = timedelta(minutes=5)
REFUSED = "that passkey was not accepted"
REGISTER, SIGN_IN = "register", "sign_in"


@dataclass(frozen=True)
class PatientPasskey:
    credential_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class SignInCeremony:
    cookie: str
    """For the browser to hold until the answer comes back: ``<organisation>.<token>``."""
    options: str
    """The options for ``navigator.credentials.get``, as JSON."""


def _id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signed_in(session: Session, store: Store, cookie: str | None) -> PatientSessionRow:
    row = patient_session.row_of(session, store, cookie)
    if row is None:
        raise SignInRequired("sign in to the portal first")
    return row


def _rows(session: Session, organisation: str, subject: str) -> list[PatientPasskeyRow]:
    return list(
        session.scalars(
            select(PatientPasskeyRow)
            .where(
                PatientPasskeyRow.organisation_id == organisation,
                PatientPasskeyRow.subject_id == subject,
            )
            .order_by(PatientPasskeyRow.created_at)
        )
    )


def _model(row: PatientPasskeyRow) -> PatientPasskey:
    return PatientPasskey(row.credential_id, row.label, row.created_at, row.last_used_at)


def _event(
    session: Session, store: Store, organisation: str, subject: str | None, action: str,
    *, allowed: bool, reason: str | None = None,
) -> None:  # fmt: skip
    actor = self_actor(subject) if subject is not None and allowed else PORTAL
    security_event.record(
        session, store, organisation, actor, SELF_ROLE, action,
        allowed=allowed, reason=reason, subject=subject,
    )  # fmt: skip


def _challenge(
    session: Session, store: Store, organisation: str, token: str, kind: str, subject: str | None
) -> PatientPasskeyChallengeRow | None:
    """Take the ceremony's challenge, once: a used, expired or other kind of one is none."""
    row = session.get(PatientPasskeyChallengeRow, (organisation, _id(token)), with_for_update=True)
    now = store.clock.now()
    if row is None or row.used_at is not None or row.kind != kind or row.expires_at <= now:
        return None
    row.used_at = now
    return row if row.subject_id == subject or kind == SIGN_IN else None


def passkeys(store: Store, cookie: str | None) -> list[PatientPasskey]:
    """The signed-in patient's passkeys, oldest first."""
    with store.sessions() as session:
        found = _signed_in(session, store, cookie)
        return [_model(r) for r in _rows(session, found.organisation_id, found.subject_id)]


def registration_options(store: Store, cookie: str | None, party: RelyingParty) -> str:
    """Options for ``navigator.credentials.create``; the challenge is kept for the one
    registration that may follow from this session."""
    with store.sessions.begin() as session:
        found = _signed_in(session, store, cookie)
        org, subject = found.organisation_id, found.subject_id
        existing = _rows(session, org, subject)
        if len(existing) >= MAX_PASSKEYS:
            raise InputError(f"you can have at most {MAX_PASSKEYS} passkeys; remove one first")
        options = generate_registration_options(
            rp_id=party.rp_id,
            rp_name=store.policy_of(org).organisation.display_name,
            user_name=f"Your record at {store.policy_of(org).organisation.display_name}",
            user_id=hashlib.sha256(f"{org}/patient/{subject}".encode()).digest()[:16],
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(r.credential_id))
                for r in existing
            ],
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
        )
        session.merge(
            PatientPasskeyChallengeRow(
                organisation_id=org,
                challenge_id=_id(found.token_hash.hex()),
                kind=REGISTER,
                subject_id=subject,
                challenge=options.challenge,
                expires_at=store.clock.now() + CHALLENGE_FOR,
            )
        )
    return options_to_json(options)


def register(
    store: Store, cookie: str | None, party: RelyingParty, credential: str, label: str
) -> PatientPasskey:
    """Check the browser's answer to the registration options and keep the passkey."""
    name = " ".join(label.split())[:120] or "Passkey"
    with store.sessions.begin() as session:
        found = _signed_in(session, store, cookie)
        org, subject = found.organisation_id, found.subject_id
        taken = _challenge(session, store, org, found.token_hash.hex(), REGISTER, subject)
        challenge = bytes(taken.challenge) if taken is not None else None
    if challenge is None:
        raise InputError("start adding the passkey again", field="credential")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=list(party.origins),
            require_user_verification=True,
        )
    except MALFORMED as refused:
        raise InputError(f"the passkey could not be added: {refused}", field="credential") from None
    with store.sessions.begin() as session:
        credential_id = bytes_to_base64url(verified.credential_id)
        if session.get(PatientPasskeyRow, (org, credential_id)) is not None:
            raise InputError("this passkey is already registered", field="credential")
        added = PatientPasskeyRow(
            organisation_id=org,
            credential_id=credential_id,
            subject_id=subject,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            label=name,
            created_at=store.clock.now(),
        )
        session.add(added)
        _event(session, store, org, subject, "portal.passkey.registered", allowed=True, reason=name)
        return _model(added)


def remove(store: Store, cookie: str | None, credential_id: str) -> None:
    with store.sessions.begin() as session:
        found = _signed_in(session, store, cookie)
        org, subject = found.organisation_id, found.subject_id
        row = session.get(PatientPasskeyRow, (org, credential_id))
        if row is None or row.subject_id != subject:
            raise NotFound("no such passkey of yours", field="credential_id")
        session.delete(row)
        _event(
            session, store, org, subject, "portal.passkey.removed", allowed=True, reason=row.label
        )


def sign_in_options(store: Store, organisation: str, party: RelyingParty) -> SignInCeremony:
    """A sign-in ceremony for ``organisation``: its options (no credentials listed: the
    browser offers the patient's own) and the cookie naming its challenge."""
    token = secrets.token_urlsafe(32)
    options = generate_authentication_options(
        rp_id=party.rp_id, user_verification=UserVerificationRequirement.REQUIRED
    )
    with store.sessions.begin() as session:
        if session.get(OrganisationRow, organisation) is None:
            raise NotFound("choose your clinic from the list", field="organisation")
        session.add(
            PatientPasskeyChallengeRow(
                organisation_id=organisation,
                challenge_id=_id(token),
                kind=SIGN_IN,
                challenge=options.challenge,
                expires_at=store.clock.now() + CHALLENGE_FOR,
            )
        )
    return SignInCeremony(f"{organisation}.{token}", options_to_json(options))


def sign_in(store: Store, ceremony: str | None, party: RelyingParty, credential: str) -> str:
    """The browser's answer: right, a new portal session (its cookie); otherwise
    ``AuthenticationFailed`` with one message, whatever was wrong."""
    parsed = patient_session.parse(ceremony)
    if parsed is None:
        raise AuthenticationFailed(REFUSED, hint="try again, or ask for a code")
    organisation, token = parsed
    started: str | None = None
    with store.sessions.begin() as session:
        if session.get(OrganisationRow, organisation) is None:
            raise AuthenticationFailed(REFUSED, hint="try again, or ask for a code")
        taken = _challenge(session, store, organisation, token, SIGN_IN, None)
        key = session.get(PatientPasskeyRow, (organisation, credential_id_of(credential)))
        subject = key.subject_id if key is not None else None
        why = None
        if taken is None:
            why = "no sign-in was started, or it expired or was used"
        elif key is None:
            why = "a passkey this clinic does not know"
        elif store.vault.is_erased(organisation, key.subject_id):
            why = "the patient's data was erased"
        else:
            try:
                verified = verify_authentication_response(
                    credential=credential,
                    expected_challenge=bytes(taken.challenge),
                    expected_rp_id=party.rp_id,
                    expected_origin=list(party.origins),
                    credential_public_key=bytes(key.public_key),
                    credential_current_sign_count=key.sign_count,
                    require_user_verification=True,
                )
            except MALFORMED as refused:
                why = f"the passkey's answer did not verify ({type(refused).__name__})"
            else:
                key.sign_count = verified.new_sign_count
                key.last_used_at = store.clock.now()
                started = patient_session.create(session, store, organisation, key.subject_id)
        said = why or f"with a passkey ({key.label if key else ''})"
        allowed = started is not None
        _event(
            session, store, organisation, subject, "portal.sign_in", allowed=allowed, reason=said
        )
    if started is None:
        raise AuthenticationFailed(REFUSED, hint="try again, or ask for a code")
    return started

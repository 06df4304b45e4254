"""Passkeys (WebAuthn) as a member of staff's second factor, beside the authenticator app.

A passkey is registered only by someone already signed in with both factors, and is then
offered at sign-in after the password. The server keeps the credential's public key and its
signature counter, never a secret; each ceremony's challenge is random, kept on the session
and usable once; user verification (the device's PIN or biometric) is required, and a counter
that goes backwards (a cloned authenticator) is refused. Registration, removal and every
passkey sign-in, allowed or denied, are security events on the ledger.

The relying party is the host staff sign in at (``HIPPOCRATIC_WEBAUTHN_RP_ID`` to fix it,
e.g. behind a proxy); browsers accept ``localhost`` and real domain names, not IP addresses.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from hippocratic.errors import AuthenticationFailed, InputError, NotFound, SignInRequired
from hippocratic.services import security_event, sign_in
from hippocratic.services.store import Store
from hippocratic.storage.staff import PasskeyRow, StaffRow, StaffSessionRow

RP_ENV = "HIPPOCRATIC_WEBAUTHN_RP_ID"
ORIGINS_ENV = "HIPPOCRATIC_WEBAUTHN_ORIGINS"
MALFORMED = (InvalidAuthenticationResponse, InvalidRegistrationResponse, InvalidJSONStructure,
             ValueError, KeyError, TypeError)  # fmt: skip
"""What a malformed or forged answer can raise inside the library: each is a refusal."""
MAX_PASSKEYS = 10
FAILED_PASSKEY = "that passkey was not accepted"


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser is proving itself to: the host name, and the origins whose pages may
    run the ceremony."""

    rp_id: str
    origins: tuple[str, ...]

    @classmethod
    def of(cls, origin: str) -> RelyingParty:
        """The relying party for a page served at ``origin`` (``scheme://host[:port]``).

        Unconfigured, both come from that one origin, so a passkey made for this host signs
        only for a page of this host. With ``HIPPOCRATIC_WEBAUTHN_RP_ID`` set (behind a proxy),
        the origins are fixed too (``HIPPOCRATIC_WEBAUTHN_ORIGINS``, comma-separated; default
        ``https://<rp id>``), never taken from the request: otherwise a page on another
        subdomain, which may ask for this RP ID's passkeys, could pass as ours."""
        fixed = os.environ.get(RP_ENV)
        if not fixed:
            return cls(urlsplit(origin).hostname or "", (origin,))
        listed = [o.strip() for o in os.environ.get(ORIGINS_ENV, "").split(",") if o.strip()]
        return cls(fixed, tuple(listed) or (f"https://{fixed}",))


@dataclass(frozen=True)
class Passkey:
    credential_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


def claim_challenge(session: Session, found: StaffSessionRow) -> bytes | None:
    """Take the session's challenge and clear it, holding the session row's lock: of two
    requests racing with one answer, only one gets it (a plain read under PostgreSQL's READ
    COMMITTED would give it to both; SQLite's writers already take turns)."""
    where = (StaffSessionRow.organisation_id == found.organisation_id) & (
        StaffSessionRow.token_hash == found.token_hash
    )
    claimed = session.execute(
        select(StaffSessionRow.challenge).where(where).with_for_update()
    ).scalar()
    if claimed is not None:
        session.execute(
            update(StaffSessionRow)
            .where(where)
            .values(challenge=None)
            .execution_options(synchronize_session=False)
        )
    session.expire(found, ["challenge"])
    return bytes(claimed) if claimed is not None else None


def _signed_in(session: Session, store: Store, cookie: str) -> tuple[StaffSessionRow, StaffRow]:
    found, row = sign_in.pending(session, store, cookie)
    if found.second_factor_at is None:
        raise SignInRequired("sign in fully before adding a passkey")
    return found, row


def _rows(session: Session, row: StaffRow) -> list[PasskeyRow]:
    return list(
        session.scalars(
            select(PasskeyRow)
            .where(
                PasskeyRow.organisation_id == row.organisation_id,
                PasskeyRow.username == row.username,
            )
            .order_by(PasskeyRow.created_at)
        )
    )


def _descriptors(rows: list[PasskeyRow]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(r.credential_id)) for r in rows]


def _model(row: PasskeyRow) -> Passkey:
    return Passkey(row.credential_id, row.label, row.created_at, row.last_used_at)


def passkeys(store: Store, cookie: str) -> list[Passkey]:
    """The signed-in member of staff's passkeys, oldest first."""
    with store.sessions.begin() as session:
        _, row = _signed_in(session, store, cookie)
        return [_model(r) for r in _rows(session, row)]


def registration_options(store: Store, cookie: str, party: RelyingParty) -> str:
    """The options for ``navigator.credentials.create`` (JSON), with a fresh challenge kept on
    the session for the one registration that may follow."""
    with store.sessions.begin() as session:
        found, row = _signed_in(session, store, cookie)
        existing = _rows(session, row)
        if len(existing) >= MAX_PASSKEYS:
            raise InputError(f"an account has at most {MAX_PASSKEYS} passkeys; remove one first")
        options = generate_registration_options(
            rp_id=party.rp_id,
            rp_name=store.policy_of(row.organisation_id).organisation.display_name,
            user_name=row.username,
            user_id=hashlib.sha256(f"{row.organisation_id}/{row.username}".encode()).digest()[:16],
            user_display_name=row.display_name,
            exclude_credentials=_descriptors(existing),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
        )
        found.challenge = options.challenge
    return options_to_json(options)


def register(
    store: Store, cookie: str, party: RelyingParty, credential: str, label: str
) -> Passkey:
    """Check the browser's answer to the registration options and keep the credential."""
    name = " ".join(label.split())[:120] or "Passkey"
    with store.sessions.begin() as session:
        found, _ = _signed_in(session, store, cookie)
        challenge = claim_challenge(session, found)  # spent, whatever happens next
    if challenge is None:
        raise InputError("start adding the passkey again", field="credential")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=bytes(challenge),
            expected_rp_id=party.rp_id,
            expected_origin=list(party.origins),
            require_user_verification=True,
        )
    except MALFORMED as refused:
        raise InputError(f"the passkey could not be added: {refused}", field="credential") from None
    with store.sessions.begin() as session:
        _, row = _signed_in(session, store, cookie)
        credential_id = bytes_to_base64url(verified.credential_id)
        if session.get(PasskeyRow, (row.organisation_id, credential_id)) is not None:
            raise InputError("this passkey is already registered", field="credential")
        added = PasskeyRow(
            organisation_id=row.organisation_id,
            credential_id=credential_id,
            username=row.username,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            label=name,
            created_at=store.clock.now(),
        )
        session.add(added)
        security_event.by_staff(session, store, row, "passkey.registered", reason=name)
        return _model(added)


def remove(store: Store, cookie: str, credential_id: str) -> None:
    """Remove one of the signed-in member of staff's own passkeys."""
    with store.sessions.begin() as session:
        _, row = _signed_in(session, store, cookie)
        found = session.get(PasskeyRow, (row.organisation_id, credential_id))
        if found is None or found.username != row.username:
            raise NotFound("no such passkey on your account", field="credential_id")
        session.delete(found)
        security_event.by_staff(session, store, row, "passkey.removed", reason=found.label)


def has_passkey(store: Store, cookie: str) -> bool:
    """Whether the account signing in (past its password) can use a passkey."""
    with store.sessions() as session:
        _, row = sign_in.pending(session, store, cookie)
        return sign_in.has_passkey(session, row)


def sign_in_options(store: Store, cookie: str, party: RelyingParty) -> str:
    """The options for ``navigator.credentials.get`` (JSON) after the password step."""
    with store.sessions.begin() as session:
        found, row = sign_in.pending(session, store, cookie)
        existing = _rows(session, row)
        if not existing:
            raise NotFound("this account has no passkey; use the authenticator app's code")
        options = generate_authentication_options(
            rp_id=party.rp_id,
            allow_credentials=_descriptors(existing),
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        found.challenge = options.challenge
    return options_to_json(options)


def credential_id_of(credential: str) -> str:
    try:
        parsed = json.loads(credential)
    except ValueError:
        return ""
    given = parsed.get("id") if isinstance(parsed, dict) else None
    return given if isinstance(given, str) and len(given) <= 1400 else ""


def second_factor(store: Store, cookie: str, party: RelyingParty, credential: str) -> str:
    """The second step by passkey: the cookie of the new, fully signed-in session. A failure
    counts towards the lock-out like a wrong code, and says no more than one."""
    refusal: AuthenticationFailed | None = None
    renewed = ""
    with store.sessions.begin() as session:
        found, row = sign_in.pending(session, store, cookie)
        challenge = claim_challenge(session, found)
        key = session.get(PasskeyRow, (row.organisation_id, credential_id_of(credential)))
        if (locked := sign_in.lockout(store, row)) is not None:
            refusal = locked
        elif challenge is None or key is None or key.username != row.username:
            sign_in.record_failure(session, store, row, "sign_in.passkey")
            refusal = AuthenticationFailed(FAILED_PASSKEY)
        else:
            try:
                verified = verify_authentication_response(
                    credential=credential,
                    expected_challenge=bytes(challenge),
                    expected_rp_id=party.rp_id,
                    expected_origin=list(party.origins),
                    credential_public_key=bytes(key.public_key),
                    credential_current_sign_count=key.sign_count,
                    require_user_verification=True,
                )
            except MALFORMED:
                sign_in.record_failure(session, store, row, "sign_in.passkey")
                refusal = AuthenticationFailed(FAILED_PASSKEY)
            else:
                key.sign_count = verified.new_sign_count
                key.last_used_at = store.clock.now()
                renewed = sign_in.renew(session, store, found, row, "sign_in.passkey", key.label)
    if refusal is not None:
        raise refusal
    return renewed

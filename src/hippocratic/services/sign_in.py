"""Two-step sign-in for staff: a password, then a second factor for every account (a TOTP
code from an authenticator app, enrolled at the first sign-in with a QR code, or a passkey).

Failures never say which part was wrong, nor whether the account exists (an unknown name
costs the same argon2 verification as a known one). Five failures in a row lock the account
for 15 minutes; a success resets the count. A TOTP code is accepted once (RFC 6238 s.5.2).
Every attempt, allowed or denied, is a security event on the ledger.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import pyotp
import qrcode
import qrcode.image.svg
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hippocratic.errors import AccountLocked, AuthenticationFailed, NotFound, SignInRequired
from hippocratic.services import security_event, staff_session, staff_training
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.staff import HASHER
from hippocratic.services.store import Store
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.staff import PasskeyRow, StaffRow, StaffSessionRow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
STEP = 30
"""Seconds per TOTP code (RFC 6238's default, which every authenticator app uses)."""
_DUMMY = HASHER.hash("not a real password, for timing only")
FAILED = "the username, password or code is not right"


@dataclass(frozen=True)
class SignInStep:
    cookie: str
    needs: Literal["enrol", "second_factor"]


@dataclass(frozen=True)
class Enrolment:
    secret: str
    """Base32, for typing into an authenticator app by hand."""
    uri: str
    """The otpauth:// URI the QR code holds."""
    qr_svg: str


def _seal(store: Store, row: StaffRow, secret: str) -> bytes:
    nonce = os.urandom(12)
    aad = f"{row.organisation_id}\x1f{row.username}\x1ftotp".encode()
    return nonce + store.vault.staff_secrets(row.organisation_id).encrypt(
        nonce, secret.encode(), aad
    )


def _open(store: Store, row: StaffRow) -> str | None:
    if row.totp_secret is None:
        return None
    blob = bytes(row.totp_secret)
    aad = f"{row.organisation_id}\x1f{row.username}\x1ftotp".encode()
    try:
        key = store.vault.staff_secrets(row.organisation_id)
        return key.decrypt(blob[:12], blob[12:], aad).decode()
    except InvalidTag:
        return None


def record_failure(session: Session, store: Store, row: StaffRow, action: str) -> None:
    """Count a failure; lock the account at the fifth. Counted in the database (``+ 1`` in
    SQL, the row locked meanwhile), so failures racing each other are all counted."""
    session.flush()
    session.execute(
        update(StaffRow)
        .where(StaffRow.organisation_id == row.organisation_id, StaffRow.username == row.username)
        .values(failed_attempts=StaffRow.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row, ["failed_attempts"])
    security_event.by_staff(session, store, row, action, allowed=False)
    if row.failed_attempts >= MAX_FAILURES:
        row.locked_until = store.clock.now() + LOCKOUT
        row.failed_attempts = 0
        reason = f"{MAX_FAILURES} failures in a row"
        security_event.by_staff(session, store, row, "sign_in.locked", allowed=False, reason=reason)


def has_passkey(session: Session, row: StaffRow) -> bool:
    return (
        session.scalar(
            select(PasskeyRow.credential_id)
            .where(
                PasskeyRow.organisation_id == row.organisation_id,
                PasskeyRow.username == row.username,
            )
            .limit(1)
        )
        is not None
    )


def lockout(store: Store, row: StaffRow) -> AccountLocked | None:
    if row.locked_until is not None and row.locked_until > store.clock.now():
        minutes = max(1, math.ceil((row.locked_until - store.clock.now()).total_seconds() / 60))
        return AccountLocked(
            f"too many attempts: try again in {minutes} minute{'s' if minutes != 1 else ''}",
            hint="if you have forgotten your password, ask your administrator",
        )
    return None


def password(store: Store, organisation: str, username: str, given: str) -> SignInStep:
    """The first step: a session that reaches only the second-factor page."""
    refusal: AuthenticationFailed | None = None
    with store.sessions.begin() as session:
        row = session.get(StaffRow, (organisation, username)) if len(username) <= 64 else None
        if row is None:
            with contextlib.suppress(VerificationError):
                HASHER.verify(_DUMMY, given)
            if session.get(OrganisationRow, organisation) is not None:
                security_event.record(
                    session,
                    store,
                    organisation,
                    username[:64],
                    "unknown",
                    "sign_in.password",
                    allowed=False,
                )
            refusal = AuthenticationFailed(FAILED)
        elif (locked := lockout(store, row)) is not None:
            security_event.record(
                session,
                store,
                organisation,
                username,
                row.role,
                "sign_in.password",
                allowed=False,
                reason="locked",
            )
            refusal = locked
        else:
            try:
                HASHER.verify(row.password_hash, given)
                ok = row.disabled_at is None
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                record_failure(session, store, row, "sign_in.password")
                refusal = AuthenticationFailed(FAILED)
            elif (untrained := staff_training.record_of(store, row).refusal) is not None:
                # The password was right, so saying why reveals nothing to a guesser.
                row.failed_attempts = 0
                security_event.by_staff(
                    session, store, row, "sign_in.password", allowed=False, reason=untrained.value
                )
                refusal = staff_training.refused(untrained)
            else:
                if HASHER.check_needs_rehash(row.password_hash):
                    row.password_hash = HASHER.hash(given)
                row.failed_attempts = 0
                security_event.record(
                    session, store, organisation, username, row.role, "sign_in.password"
                )
                cookie = staff_session.create(session, store, organisation, username)
                enrolled = row.totp_confirmed_at is not None or has_passkey(session, row)
                needs: Literal["enrol", "second_factor"] = "second_factor" if enrolled else "enrol"
    if refusal is not None:
        raise refusal
    return SignInStep(cookie, needs)


def pending(session: Session, store: Store, cookie: str) -> tuple[StaffSessionRow, StaffRow]:
    found = staff_session.row_of(session, store, cookie)
    staff = session.get(StaffRow, (found.organisation_id, found.username)) if found else None
    if found is None or staff is None or staff.disabled_at is not None:
        raise SignInRequired("sign in again", hint="your sign-in expired or was ended")
    if (untrained := staff_training.record_of(store, staff).refusal) is not None:
        raise staff_training.refused(untrained)
    return found, staff


def enrolment(store: Store, cookie: str) -> Enrolment:
    """The authenticator secret to enrol (made now if none is pending), with its QR code."""
    with store.sessions.begin() as session:
        _, row = pending(session, store, cookie)
        if row.totp_confirmed_at is not None:
            raise SignInRequired("an authenticator is already enrolled; give its code")
        secret = _open(store, row)
        if secret is None:
            secret = pyotp.random_base32()
            row.totp_secret = _seal(store, row, secret)
        issuer = store.policy_of(row.organisation_id).organisation.display_name
        uri = pyotp.TOTP(secret).provisioning_uri(name=row.username, issuer_name=issuer)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return Enrolment(secret, uri, image.to_string(encoding="unicode"))


def provision(store: Store, organisation: str, username: str, by: str) -> str:
    """Enrol an authenticator for an account without a sign-in (demo and test accounts, whose
    secret is handed over with the password): the base32 secret, sealed at rest like any."""
    secret = pyotp.random_base32()
    with store.sessions.begin() as session:
        row = session.get(StaffRow, (organisation, username))
        if row is None:
            raise NotFound(f"no member of staff {username!r} here", field="username")
        row.totp_secret = _seal(store, row, secret)
        row.totp_confirmed_at = store.clock.now()
        row.totp_last_step = 0
        security_event.record(
            session,
            store,
            organisation,
            by,
            OPERATOR,
            "second_factor.provisioned",
            reason=username,
        )
    return secret


def _verify(store: Store, row: StaffRow, code: str) -> bool:
    secret = _open(store, row)
    if secret is None or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = store.clock.now()
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=offset * STEP)
        step = int(moment.timestamp()) // STEP
        if step > row.totp_last_step and totp.verify(code, for_time=moment, valid_window=0):
            row.totp_last_step = step
            return True
    return False


def second_factor(store: Store, cookie: str, code: str) -> str:
    """The second step, for an enrolled account or one confirming its enrolment.

    Returns the cookie of a new session, the one past its second factor: the pending session
    ends here, so a token seen before sign-in finished (fixation, a shoulder, a log) is
    worth nothing after it (OWASP session management: renew the ID on privilege change).
    """
    refusal: AuthenticationFailed | None = None
    renewed = ""
    with store.sessions.begin() as session:
        found, row = pending(session, store, cookie)
        code = code.replace(" ", "")
        if (locked := lockout(store, row)) is not None:
            refusal = locked
        elif not _verify(store, row, code):
            record_failure(session, store, row, "sign_in.second_factor")
            refusal = AuthenticationFailed(FAILED)
        else:
            enrolling = row.totp_confirmed_at is None
            if enrolling:
                row.totp_confirmed_at = store.clock.now()
            action = "second_factor.enrolled" if enrolling else "sign_in.second_factor"
            renewed = renew(session, store, found, row, action)
    if refusal is not None:
        raise refusal
    return renewed


def renew(
    session: Session,
    store: Store,
    found: StaffSessionRow,
    row: StaffRow,
    action: str,
    reason: str | None = None,
) -> str:
    """The second factor was given: the pending session ends and a new one, past its second
    factor, begins (its cookie returned); the success is a security event."""
    now = store.clock.now()
    found.revoked_at = now
    renewed = staff_session.create(session, store, row.organisation_id, row.username)
    session.flush()
    fresh = staff_session.row_of(session, store, renewed)
    assert fresh is not None
    fresh.second_factor_at = now
    row.failed_attempts = 0
    security_event.by_staff(session, store, row, action, reason=reason)
    return renewed

"""Staff sign-in: a password then a second factor for every account, lockout, sessions that
end, and every attempt on the ledger."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from tests.services.clinic import cleared, events

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    InputError,
    SignInRequired,
)
from hippocratic.services import sign_in, staff, staff_session
from hippocratic.services.store import Store
from hippocratic.storage.staff import StaffRow, StaffSessionRow

PASSWORD = "correct horse battery"


@pytest.fixture
def rita(store: Store) -> Store:
    staff.add(store, "harmonic", "rita", "Rita Reception", "reception", PASSWORD, **cleared(store))
    return store


def enrolled(store: Store, username: str = "rita") -> tuple[str, str]:
    """Sign in for the first time, enrolling an authenticator: (cookie, base32 secret)."""
    step = sign_in.password(store, "harmonic", username, PASSWORD)
    assert step.needs == "enrol"
    enrolment = sign_in.enrolment(store, step.cookie)
    code = pyotp.TOTP(enrolment.secret).at(store.clock.now())
    return sign_in.second_factor(store, step.cookie, code), enrolment.secret


def test_a_password_is_long_and_not_the_username(store: Store) -> None:
    with pytest.raises(InputError, match="12 to 256"):
        staff.add(store, "harmonic", "rita", "Rita", "reception", "short", **cleared(store))
    with pytest.raises(InputError, match="username"):
        staff.add(
            store,
            "harmonic",
            "ritareception",
            "Rita",
            "reception",
            "RitaReception",
            **cleared(store),
        )
    with pytest.raises(InputError, match="not a role"):
        staff.add(store, "harmonic", "rita", "Rita", "admiral", PASSWORD, **cleared(store))


def test_an_account_is_created_once_with_an_argon2id_hash(rita: Store) -> None:
    with pytest.raises(Conflict):
        staff.add(rita, "harmonic", "rita", "Rita Again", "reception", PASSWORD, **cleared(rita))
    with rita.sessions() as session:
        row = session.get(StaffRow, ("harmonic", "rita"))
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
    created = [e for e in events(rita) if e.action == "staff.created"]
    assert len(created) == 1 and created[0].purpose == "security"


@pytest.mark.promise("S0-79")
def test_a_password_alone_reaches_nothing(rita: Store) -> None:
    step = sign_in.password(rita, "harmonic", "rita", PASSWORD)
    assert step.needs == "enrol"
    assert staff_session.authenticate(rita, step.cookie) is None
    pending = staff_session.authenticate(rita, step.cookie, require_second_factor=False)
    assert pending is not None and not pending.second_factor_done


@pytest.mark.promise("S0-79")
def test_enrolment_by_qr_code_then_a_code_opens_the_session(rita: Store) -> None:
    step = sign_in.password(rita, "harmonic", "rita", PASSWORD)
    enrolment = sign_in.enrolment(rita, step.cookie)
    assert enrolment.uri.startswith("otpauth://totp/")
    assert "Harmonic" in enrolment.uri and enrolment.qr_svg.startswith("<")
    assert sign_in.enrolment(rita, step.cookie).secret == enrolment.secret
    with rita.sessions() as session:
        row = session.get(StaffRow, ("harmonic", "rita"))
        assert row is not None and row.totp_secret is not None
        assert enrolment.secret.encode() not in bytes(row.totp_secret)
    renewed = sign_in.second_factor(
        rita, step.cookie, pyotp.TOTP(enrolment.secret).at(rita.clock.now())
    )
    session_now = staff_session.authenticate(rita, renewed)
    assert session_now is not None and session_now.role == "reception"
    assert session_now.actor.actor == "rita"
    actions = [e.action for e in events(rita)]
    assert "sign_in.password" in actions and "second_factor.enrolled" in actions


@pytest.mark.promise("S0-79")
def test_the_session_is_renewed_when_the_second_factor_is_given(rita: Store) -> None:
    step = sign_in.password(rita, "harmonic", "rita", PASSWORD)
    enrolment = sign_in.enrolment(rita, step.cookie)
    renewed = sign_in.second_factor(
        rita, step.cookie, pyotp.TOTP(enrolment.secret).at(rita.clock.now())
    )
    assert renewed != step.cookie
    assert staff_session.authenticate(rita, renewed) is not None
    assert staff_session.authenticate(rita, step.cookie, require_second_factor=False) is None


def test_a_code_is_accepted_once(rita: Store) -> None:
    _, secret = enrolled(rita)
    step = sign_in.password(rita, "harmonic", "rita", PASSWORD)
    assert step.needs == "second_factor"
    code = pyotp.TOTP(secret).at(rita.clock.now())
    with pytest.raises(AuthenticationFailed):
        sign_in.second_factor(rita, step.cookie, code)
    assert staff_session.authenticate(rita, step.cookie) is None
    assert staff_session.authenticate(rita, again(rita, secret)) is not None


def test_failures_never_say_which_part_was_wrong(rita: Store) -> None:
    with pytest.raises(AuthenticationFailed) as wrong_password:
        sign_in.password(rita, "harmonic", "rita", "not the password at all")
    with pytest.raises(AuthenticationFailed) as unknown_user:
        sign_in.password(rita, "harmonic", "nobody", PASSWORD)
    assert str(wrong_password.value) == str(unknown_user.value)
    denied = [e for e in events(rita) if e.outcome == "denied"]
    assert {e.actor for e in denied} == {"rita", "nobody"}
    assert all(PASSWORD not in (e.reason or "") for e in events(rita))


def test_five_failures_lock_the_account_for_fifteen_minutes(rita: Store) -> None:
    for _ in range(sign_in.MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            sign_in.password(rita, "harmonic", "rita", "wrong wrong wrong")
    with pytest.raises(AccountLocked, match="15 minutes"):
        sign_in.password(rita, "harmonic", "rita", PASSWORD)
    assert "sign_in.locked" in [e.action for e in events(rita)]
    assert isinstance(rita.clock, FixedClock)
    rita.clock.advance(sign_in.LOCKOUT)
    assert sign_in.password(rita, "harmonic", "rita", PASSWORD).needs == "enrol"


def test_a_disabled_account_signs_in_no_more_and_its_sessions_end(rita: Store) -> None:
    cookie, _ = enrolled(rita)
    staff.disable(rita, "harmonic", "rita")
    assert staff_session.authenticate(rita, cookie) is None
    with pytest.raises(AuthenticationFailed):
        sign_in.password(rita, "harmonic", "rita", PASSWORD)
    assert "staff.disabled" in [e.action for e in events(rita)]


def test_a_new_role_ends_open_sessions(rita: Store) -> None:
    cookie, _ = enrolled(rita)
    member = staff.set_role(rita, "harmonic", "rita", "billing")
    assert member.role == "billing" and member.role_title
    assert staff_session.authenticate(rita, cookie) is None


def test_a_lost_phone_resets_the_second_factor(rita: Store) -> None:
    enrolled(rita)
    member = staff.reset_second_factor(rita, "harmonic", "rita")
    assert not member.second_factor
    assert sign_in.password(rita, "harmonic", "rita", PASSWORD).needs == "enrol"


@pytest.mark.promise("S0-89")
def test_after_sign_out_the_old_session_is_rejected(rita: Store) -> None:
    cookie, _ = enrolled(rita)
    staff_session.sign_out(rita, cookie)
    assert staff_session.authenticate(rita, cookie) is None
    with pytest.raises(SignInRequired):
        sign_in.second_factor(rita, cookie, "123456")
    assert "sign_out" in [e.action for e in events(rita)]


def again(store: Store, secret: str) -> str:
    """Sign in once more, 30 seconds on (a new code): the new session's cookie."""
    assert isinstance(store.clock, FixedClock)
    store.clock.advance(timedelta(seconds=30))
    cookie = sign_in.password(store, "harmonic", "rita", PASSWORD).cookie
    return sign_in.second_factor(store, cookie, pyotp.TOTP(secret).at(store.clock.now()))


@pytest.mark.promise("S0-89")
def test_an_idle_session_expires_after_fifteen_minutes(rita: Store) -> None:
    assert isinstance(rita.clock, FixedClock)
    cookie, _ = enrolled(rita)
    rita.clock.advance(staff_session.IDLE - timedelta(seconds=1))
    assert staff_session.authenticate(rita, cookie) is not None
    rita.clock.advance(staff_session.IDLE - timedelta(seconds=1))
    assert staff_session.authenticate(rita, cookie) is not None
    rita.clock.advance(staff_session.IDLE)
    assert staff_session.authenticate(rita, cookie) is None


@pytest.mark.promise("S0-89")
def test_a_busy_session_still_ends_twelve_hours_after_sign_in(rita: Store) -> None:
    assert isinstance(rita.clock, FixedClock)
    cookie, _ = enrolled(rita)
    signed_in = rita.clock.now()
    while staff_session.authenticate(rita, cookie) is not None:
        rita.clock.advance(timedelta(minutes=10))
    assert rita.clock.now() - signed_in >= staff_session.ABSOLUTE
    assert rita.clock.now() - signed_in < staff_session.ABSOLUTE + timedelta(minutes=10)


def test_sign_out_everywhere_ends_every_device(rita: Store) -> None:
    first, secret = enrolled(rita)
    second = again(rita, secret)
    assert staff_session.sign_out_everywhere(rita, "harmonic", "rita") == 2
    assert staff_session.authenticate(rita, first) is None
    assert staff_session.authenticate(rita, second) is None


def test_only_a_hash_of_the_session_token_is_stored(rita: Store) -> None:
    cookie, _ = enrolled(rita)
    token = cookie.partition(".")[2]
    with rita.sessions() as session:
        rows = session.scalars(select(StaffSessionRow)).all()
        assert rows and all(token.encode() not in bytes(r.token_hash) for r in rows)
    session_now = staff_session.authenticate(rita, cookie)
    assert session_now is not None
    assert staff_session.check_csrf(session_now, session_now.csrf_token)
    assert not staff_session.check_csrf(session_now, "forged")
    assert not staff_session.check_csrf(session_now, None)


@pytest.mark.parametrize("cookie", [None, "", "harmonic", "harmonic.short", "x" * 300])
def test_a_malformed_cookie_is_no_session(rita: Store, cookie: str | None) -> None:
    assert staff_session.authenticate(rita, cookie) is None

"""L-13: no account that sees patient data signs in, keeps a session or has its API tokens
honoured without a signed confidentiality agreement and current data-security training."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pyotp
import pytest
from sqlalchemy import select
from tests.services.clinic import events

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AuthenticationFailed, InputError, NotFound, TrainingRequired
from hippocratic.policy.staff_rules import StaffRules
from hippocratic.services import api_token, sign_in, staff, staff_session, staff_training
from hippocratic.services.store import Store
from hippocratic.storage.staff import StaffRow

PASSWORD = "correct horse battery"


def _today(store: Store) -> date:
    return store.clock.now().date()


def _signed_in(store: Store, username: str) -> str:
    """Sign in with the password and the authenticator ``provision`` enrolled."""
    step = sign_in.password(store, "harmonic", username, PASSWORD)
    code = pyotp.TOTP(SECRETS[username]).at(store.clock.now())
    return sign_in.second_factor(store, step.cookie, code)


SECRETS: dict[str, str] = {}


def test_training_lasts_the_policys_months_to_the_day() -> None:
    rules = StaffRules(training_valid_months=12)
    assert rules.training_expires(date(2026, 3, 15)) == date(2027, 3, 15)
    assert rules.training_expires(date(2024, 2, 29)) == date(2025, 3, 1)
    assert StaffRules(training_valid_months=1).training_expires(date(2026, 1, 31)) == date(
        2026, 3, 1
    )


@pytest.mark.promise("L-13")
def test_an_account_without_a_training_record_cannot_sign_in(store: Store) -> None:
    member = staff.add(store, "harmonic", "sam", "Sam Sonographer", "sonographer", PASSWORD)
    assert member.access_refused is staff_training.Clearance.CONFIDENTIALITY_MISSING
    with pytest.raises(TrainingRequired) as refused:
        sign_in.password(store, "harmonic", "sam", PASSWORD)
    assert refused.value.code == "auth.training"
    assert refused.value.field == "confidentiality_missing"
    staff_training.record(store, "harmonic", "sam", confidentiality_signed=_today(store))
    with pytest.raises(TrainingRequired, match="no data-security training"):
        sign_in.password(store, "harmonic", "sam", PASSWORD)
    denied = [e for e in events(store) if e.action == "sign_in.password"]
    assert [(e.outcome, e.reason) for e in denied] == [
        ("denied", "confidentiality_missing"),
        ("denied", "training_missing"),
    ]
    # A right password refused for training is not a guess: it does not count to the lockout.
    with store.sessions() as session:
        row = session.get(StaffRow, ("harmonic", "sam"))
        assert row is not None and row.failed_attempts == 0

    record = staff_training.record(store, "harmonic", "sam", trained=_today(store))
    assert record.refusal is None
    assert record.training_expires_on == StaffRules().training_expires(_today(store))
    assert sign_in.password(store, "harmonic", "sam", PASSWORD).needs == "enrol"
    recorded = [e for e in events(store) if e.action == "staff.training_recorded"]
    assert len(recorded) == 2 and "sam: trained" in (recorded[-1].reason or "")


def test_a_wrong_password_still_says_nothing_about_training(store: Store) -> None:
    staff.add(store, "harmonic", "sam", "Sam Sonographer", "sonographer", PASSWORD)
    with pytest.raises(AuthenticationFailed) as refused:
        sign_in.password(store, "harmonic", "sam", "not the password at all")
    assert refused.value.code == "auth.failed"


@pytest.mark.promise("L-13")
def test_expired_training_suspends_sessions_and_sign_in(store: Store) -> None:
    assert isinstance(store.clock, FixedClock)
    today = _today(store)
    staff.add(store, "harmonic", "sue", "Sue Sonographer", "sonographer", PASSWORD,
              confidentiality_signed=today, trained=today)  # fmt: skip
    SECRETS["sue"] = sign_in.provision(store, "harmonic", "sue", by="test")
    cookie = _signed_in(store, "sue")
    assert staff_session.authenticate(store, cookie) is not None
    expires = StaffRules(
        training_valid_months=store.policy_of("harmonic").staff.training_valid_months
    ).training_expires(today)
    midnight = datetime.combine(expires, time(0), UTC)
    store.clock.advance(midnight - timedelta(minutes=5) - store.clock.now())
    cookie = _signed_in(store, "sue")  # the day before: still current
    store.clock.advance(timedelta(minutes=6))
    assert _today(store) == expires
    assert staff_session.authenticate(store, cookie) is None
    suspended = [e for e in events(store) if e.action == "session.suspended"]
    assert [(e.actor, e.outcome, e.reason) for e in suspended] == [
        ("sue", "denied", "training_expired")
    ]
    with pytest.raises(TrainingRequired, match="training has expired"):
        sign_in.password(store, "harmonic", "sue", PASSWORD)
    assert staff.get(store, "harmonic", "sue").access_refused == "training_expired"
    staff_training.record(store, "harmonic", "sue", trained=_today(store))
    assert staff_session.authenticate(store, _signed_in(store, "sue")) is not None


@pytest.mark.promise("L-13")
def test_a_token_issued_by_untrained_staff_is_refused_in_one_query(store: Store) -> None:
    assert isinstance(store.clock, FixedClock)
    today = _today(store)
    staff.add(store, "harmonic", "dee", "Dee DPO", "dpo", PASSWORD,
              confidentiality_signed=today, trained=today)  # fmt: skip
    issued = api_token.issue(store, "harmonic", "reception", "Booking widget", by="dee")
    operator = api_token.issue(store, "harmonic", "reception", "Integration")
    assert api_token.authenticate(store, issued.secret) is not None
    store.clock.advance(timedelta(days=400))
    with pytest.raises(TrainingRequired) as refused:
        api_token.authenticate(store, issued.secret)
    assert refused.value.http_status == 403 and refused.value.field == "training_expired"
    assert api_token.authenticate(store, operator.secret) is not None
    seen = [e for e in events(store) if e.action == "api_token.refused"]
    assert [(e.actor, e.reason) for e in seen] == [
        (f"token:{issued.token.token_id}", "dee: training_expired")
    ]


def test_recording_refuses_nonsense(store: Store) -> None:
    staff.add(store, "harmonic", "sam", "Sam Sonographer", "sonographer", PASSWORD)
    with pytest.raises(InputError, match="in the future"):
        staff_training.record(store, "harmonic", "sam", trained=_today(store) + timedelta(days=1))
    with pytest.raises(InputError):
        staff_training.record(store, "harmonic", "sam")
    staff_training.record(store, "harmonic", "sam", trained=_today(store))
    with pytest.raises(InputError, match="later training date"):
        staff_training.record(store, "harmonic", "sam", trained=_today(store) - timedelta(days=30))
    with pytest.raises(NotFound):
        staff_training.record(store, "harmonic", "nobody", trained=_today(store))
    with store.sessions() as session:
        rows = session.scalars(select(StaffRow).where(StaffRow.username == "sam")).all()
        assert rows[0].training_completed_at == _today(store)


def test_a_token_issued_by_a_leaver_stops_when_their_account_is_disabled(store: Store) -> None:
    today = _today(store)
    staff.add(store, "harmonic", "dee", "Dee DPO", "dpo", PASSWORD,
              confidentiality_signed=today, trained=today)  # fmt: skip
    issued = api_token.issue(store, "harmonic", "reception", "Booking widget", by="dee")
    operator = api_token.issue(store, "harmonic", "reception", "Integration")
    assert api_token.authenticate(store, issued.secret) is not None
    staff.disable(store, "harmonic", "dee")
    with pytest.raises(AuthenticationFailed, match="account is disabled") as refused:
        api_token.authenticate(store, issued.secret)
    assert refused.value.http_status == 401
    assert api_token.authenticate(store, operator.secret) is not None  # no person behind it
    seen = [e for e in events(store) if e.action == "api_token.refused"]
    assert [(e.actor, e.outcome, e.reason) for e in seen] == [
        (f"token:{issued.token.token_id}", "denied", "dee: account disabled")
    ]

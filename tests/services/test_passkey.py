"""Passkeys as the second factor: registered only once fully signed in, then accepted at
sign-in after the password; challenges used once, user verification required, a cloned
authenticator (its counter going back) or another site's origin refused; all on the ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from tests.services.clinic import cleared, events
from tests.services.soft_authenticator import SoftAuthenticator

from hippocratic.errors import AuthenticationFailed, InputError, SignInRequired
from hippocratic.services import passkey, sign_in, staff, staff_session
from hippocratic.services.passkey import RelyingParty
from hippocratic.services.sign_in import STEP
from hippocratic.services.store import Store
from hippocratic.storage.staff import PasskeyRow

PASSWORD = "correct horse battery"
ORIGIN = "http://localhost:8000"
PARTY = RelyingParty.of(ORIGIN)


@pytest.fixture
def secret(store: Store) -> str:
    staff.add(
        store, "harmonic", "sam", "Sam Sonographer", "sonographer", PASSWORD, **cleared(store)
    )
    return sign_in.provision(store, "harmonic", "sam", by="test")


def fully_signed_in(store: Store, secret: str) -> str:
    store.clock.advance(timedelta(seconds=STEP))  # type: ignore[attr-defined]  # a new code
    step = sign_in.password(store, "harmonic", "sam", PASSWORD)
    code = pyotp.TOTP(secret).at(store.clock.now())
    return sign_in.second_factor(store, step.cookie, code)


def registered(store: Store, secret: str) -> SoftAuthenticator:
    device = SoftAuthenticator(ORIGIN, PARTY.rp_id)
    cookie = fully_signed_in(store, secret)
    options = passkey.registration_options(store, cookie, PARTY)
    passkey.register(store, cookie, PARTY, device.create(options), "Sam's laptop")
    return device


@pytest.mark.promise("S0-79")
def test_a_passkey_is_registered_once_signed_in_and_then_signs_in(
    store: Store, secret: str
) -> None:
    pending = sign_in.password(store, "harmonic", "sam", PASSWORD).cookie
    with pytest.raises(SignInRequired):
        passkey.registration_options(store, pending, PARTY)
    device = registered(store, secret)
    assert RelyingParty.of(ORIGIN).rp_id == "localhost"
    cookie = fully_signed_in(store, secret)
    (key,) = passkey.passkeys(store, cookie)
    assert key.label == "Sam's laptop" and key.last_used_at is None
    with store.sessions() as session:
        (row,) = session.scalars(select(PasskeyRow)).all()
    assert row.username == "sam" and row.public_key.startswith(b"\xa5")  # a COSE key, no secret

    step = sign_in.password(store, "harmonic", "sam", PASSWORD)
    assert step.needs == "second_factor" and passkey.has_passkey(store, step.cookie)
    options = passkey.sign_in_options(store, step.cookie, PARTY)
    renewed = passkey.second_factor(store, step.cookie, PARTY, device.get(options))
    session_now = staff_session.authenticate(store, renewed)
    assert session_now is not None and session_now.second_factor_done
    assert staff_session.authenticate(store, step.cookie, require_second_factor=False) is None
    actions = [e.action for e in events(store) if e.actor == "sam"]
    assert "passkey.registered" in actions and actions[-1] == "sign_in.passkey"
    assert passkey.passkeys(store, renewed)[0].last_used_at is not None


def test_a_challenge_is_used_once_and_a_clone_or_another_site_is_refused(
    store: Store, secret: str
) -> None:
    device = registered(store, secret)
    step = sign_in.password(store, "harmonic", "sam", PASSWORD)
    options = passkey.sign_in_options(store, step.cookie, PARTY)
    answer = device.get(options)
    passkey.second_factor(store, step.cookie, PARTY, answer)

    again = sign_in.password(store, "harmonic", "sam", PASSWORD)
    with pytest.raises(AuthenticationFailed):  # no challenge issued for this session
        passkey.second_factor(store, again.cookie, PARTY, answer)
    options = passkey.sign_in_options(store, again.cookie, PARTY)
    with pytest.raises(AuthenticationFailed):  # the counter went back: a cloned key
        passkey.second_factor(store, again.cookie, PARTY, device.get(options, count=1))
    elsewhere = SoftAuthenticator("https://evil.example", PARTY.rp_id, device.key,
                                  device.credential_id, device.sign_count)  # fmt: skip
    options = passkey.sign_in_options(store, again.cookie, PARTY)
    with pytest.raises(AuthenticationFailed):
        passkey.second_factor(store, again.cookie, PARTY, elsewhere.get(options))
    unverified = SoftAuthenticator(ORIGIN, PARTY.rp_id, device.key, device.credential_id,
                                   device.sign_count, verified=False)  # fmt: skip
    options = passkey.sign_in_options(store, again.cookie, PARTY)
    with pytest.raises(AuthenticationFailed):
        passkey.second_factor(store, again.cookie, PARTY, unverified.get(options))
    denied = [e for e in events(store) if e.action == "sign_in.passkey" and e.outcome == "denied"]
    assert len(denied) == 4


def test_another_accounts_passkey_and_a_forged_registration_are_refused(
    store: Store, secret: str
) -> None:
    device = registered(store, secret)
    staff.add(
        store, "harmonic", "sue", "Sue Sonographer", "sonographer", PASSWORD, **cleared(store)
    )
    sue_secret = sign_in.provision(store, "harmonic", "sue", by="test")
    step = sign_in.password(store, "harmonic", "sue", PASSWORD)
    with pytest.raises(Exception, match="no passkey"):
        passkey.sign_in_options(store, step.cookie, PARTY)
    with pytest.raises(AuthenticationFailed):
        passkey.second_factor(store, step.cookie, PARTY, device.get('{"challenge": "AAAA"}'))
    sue = sign_in.second_factor(store, step.cookie, pyotp.TOTP(sue_secret).at(store.clock.now()))
    options = passkey.registration_options(store, sue, PARTY)
    forged = SoftAuthenticator("https://evil.example", PARTY.rp_id)
    with pytest.raises(InputError, match="could not be added"):
        passkey.register(store, sue, PARTY, forged.create(options), "Stolen")
    with pytest.raises(InputError, match="start adding"):  # the challenge was spent
        passkey.register(store, sue, PARTY, SoftAuthenticator(ORIGIN, "localhost").create(
            options), "Again")  # fmt: skip
    cookie = fully_signed_in(store, secret)
    (mine,) = passkey.passkeys(store, cookie)
    with pytest.raises(Exception, match="no such passkey"):
        passkey.remove(store, sue, mine.credential_id)
    passkey.remove(store, cookie, mine.credential_id)
    assert passkey.passkeys(store, cookie) == []


def test_a_malformed_answer_is_a_counted_refusal_and_spends_the_challenge(
    store: Store, secret: str
) -> None:
    device = registered(store, secret)
    step = sign_in.password(store, "harmonic", "sam", PASSWORD)
    options = passkey.sign_in_options(store, step.cookie, PARTY)
    answer = json.loads(device.get(options))
    answer["response"]["userHandle"] = "a"  # not base64url: the library raises ValueError
    with pytest.raises(AuthenticationFailed):
        passkey.second_factor(store, step.cookie, PARTY, json.dumps(answer))
    with pytest.raises(AuthenticationFailed):  # the challenge went with the refusal
        passkey.second_factor(store, step.cookie, PARTY, device.get(options))
    denied = [e for e in events(store) if e.action == "sign_in.passkey" and e.outcome == "denied"]
    assert len(denied) == 2


def test_behind_a_proxy_the_origins_are_fixed_not_taken_from_the_request(
    store: Store, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPPOCRATIC_WEBAUTHN_RP_ID", "clinic.example")
    ours = RelyingParty.of("https://x.clinic.example")  # whatever Host the request said
    assert ours == RelyingParty("clinic.example", ("https://clinic.example",))
    cookie = fully_signed_in(store, secret)
    options = passkey.registration_options(store, cookie, ours)
    phished = SoftAuthenticator("https://x.clinic.example", "clinic.example")
    with pytest.raises(InputError, match="could not be added"):
        passkey.register(store, cookie, ours, phished.create(options), "Phished")
    options = passkey.registration_options(store, cookie, ours)
    genuine = SoftAuthenticator("https://clinic.example", "clinic.example")
    assert passkey.register(store, cookie, ours, genuine.create(options), "Real").label == "Real"

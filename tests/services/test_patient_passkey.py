"""Portal passkeys: a patient signed in with their code registers one and then signs in with
it alone; a challenge is good once; a cloned authenticator, another clinic, an unknown passkey
and an erased patient are refused with one message; each step is on the ledger."""

from __future__ import annotations

import pytest
from tests.services.clinic import NEW_PATIENT, actor, events, hire
from tests.services.soft_authenticator import SoftAuthenticator

from hippocratic.errors import AuthenticationFailed, InputError, SignInRequired
from hippocratic.services import patient_passkey, patient_session
from hippocratic.services.passkey import RelyingParty
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.storage.patient_passkey import PatientPasskeyRow

ORIGIN = "http://localhost:8000"
PARTY = RelyingParty.of(ORIGIN)


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def signed_in(clinic: Store) -> tuple[str, str]:
    """A patient on the record and a portal session of theirs (as after the emailed code)."""
    subject = Records(clinic, actor("harmonic", "rita")).register("care", dict(NEW_PATIENT))
    with clinic.sessions.begin() as session:
        cookie = patient_session.create(session, clinic, "harmonic", subject)
    return subject, cookie


def registered(clinic: Store, cookie: str) -> SoftAuthenticator:
    device = SoftAuthenticator(ORIGIN, "localhost")
    options = patient_passkey.registration_options(clinic, cookie, PARTY)
    patient_passkey.register(clinic, cookie, PARTY, device.create(options), "My phone")
    return device


def sign_in(clinic: Store, device: SoftAuthenticator, organisation: str = "harmonic") -> str:
    ceremony = patient_passkey.sign_in_options(clinic, organisation, PARTY)
    return patient_passkey.sign_in(clinic, ceremony.cookie, PARTY, device.get(ceremony.options))


def test_a_patient_registers_a_passkey_and_signs_in_with_it_alone(clinic: Store) -> None:
    subject, cookie = signed_in(clinic)
    with pytest.raises(SignInRequired):
        patient_passkey.registration_options(clinic, "harmonic.nobody", PARTY)
    device = registered(clinic, cookie)
    mine = patient_passkey.passkeys(clinic, cookie)
    assert [p.label for p in mine] == ["My phone"]
    assert events(clinic)[-1].action == "portal.passkey.registered"
    session = patient_session.authenticate(clinic, sign_in(clinic, device))
    assert session is not None and session.subject == subject
    assert session.actor.actor == f"patient:{subject}"
    last = events(clinic)[-1]
    assert (last.action, last.outcome, last.subject_id) == ("portal.sign_in", "allowed", subject)
    with clinic.sessions() as db:
        row = db.get(PatientPasskeyRow, ("harmonic", mine[0].credential_id))
        assert row is not None and row.sign_count == 1 and row.last_used_at is not None
    patient_passkey.remove(clinic, cookie, mine[0].credential_id)
    with pytest.raises(AuthenticationFailed):
        sign_in(clinic, device)


def test_a_challenge_is_good_once_and_clones_and_strangers_are_refused(clinic: Store) -> None:
    _, cookie = signed_in(clinic)
    device = registered(clinic, cookie)
    ceremony = patient_passkey.sign_in_options(clinic, "harmonic", PARTY)
    answer = device.get(ceremony.options)
    assert patient_passkey.sign_in(clinic, ceremony.cookie, PARTY, answer)
    with pytest.raises(AuthenticationFailed, match="not accepted"):  # replayed
        patient_passkey.sign_in(clinic, ceremony.cookie, PARTY, answer)
    ceremony = patient_passkey.sign_in_options(clinic, "harmonic", PARTY)
    with pytest.raises(AuthenticationFailed):  # the counter went back: a cloned key
        patient_passkey.sign_in(
            clinic, ceremony.cookie, PARTY, device.get(ceremony.options, count=1)
        )
    with pytest.raises(AuthenticationFailed):  # another clinic does not know it
        sign_in(clinic, device, "harmony")
    with pytest.raises(AuthenticationFailed):
        sign_in(clinic, SoftAuthenticator(ORIGIN, "localhost"))  # never registered
    elsewhere = RelyingParty.of("https://evil.example")
    ceremony = patient_passkey.sign_in_options(clinic, "harmonic", PARTY)
    with pytest.raises(AuthenticationFailed):
        patient_passkey.sign_in(clinic, ceremony.cookie, elsewhere, device.get(ceremony.options))
    refused = [e for e in events(clinic) if e.action == "portal.sign_in" and e.outcome != "allowed"]
    assert len(refused) == 4 and all(e.actor == "portal" for e in refused)
    assert events(clinic, "harmony")[-1].reason == "a passkey this clinic does not know"
    with pytest.raises(InputError, match="again"):  # a registration needs its own ceremony
        patient_passkey.register(
            clinic, cookie, PARTY, device.create('{"challenge": "AAAA"}'), "Replay"
        )


def test_an_erased_patient_cannot_sign_in_with_their_passkey(clinic: Store) -> None:
    subject, cookie = signed_in(clinic)
    device = registered(clinic, cookie)
    clinic.vault.for_organisation("harmonic").shred_subject(subject)
    with pytest.raises(AuthenticationFailed):
        sign_in(clinic, device)
    assert events(clinic)[-1].reason == "the patient's data was erased"

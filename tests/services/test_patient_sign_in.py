"""Patients sign in to the portal with a code sent to the contact on their record and their
date of birth: one answer whatever matched, codes that expire and wear out, sessions that end,
every step a security event that never holds the code, and a patient who reads only their own
record."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.services.clinic import NEW_PATIENT, actor, events, hire

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, AuthenticationFailed, ConfigurationError, InputError
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import code_delivery, patient_session, patient_sign_in
from hippocratic.services.code_delivery import CodeSpool, CodeTransports
from hippocratic.services.mailer import SmtpMailer
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.storage.patient_session import PatientSessionRow, PatientSignInCodeRow

BORN = NEW_PATIENT["date_of_birth"]
EMAIL = NEW_PATIENT["email"]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[CodeTransports, _Collect]]:
    """A local SMTP server that keeps what it is sent, and transports that use it."""
    handler = _Collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield CodeTransports(SmtpMailer("127.0.0.1", port)), handler
    finally:
        controller.stop()


@pytest.fixture
def ada(store: Store) -> str:
    hire(store)
    return Records(store, actor("harmonic", "rita")).register("care", dict(NEW_PATIENT))


def code_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"\b(\d{6})\b", body.decode())
    assert found is not None
    return found.group(1)


def asked(store: Store, transports: CodeTransports, contact: str = EMAIL, born: str = BORN) -> str:
    """Ask for a code as the sign-in page does, and send it; the sign-in's cookie."""
    request = patient_sign_in.request_code(store, "harmonic", contact, born)
    patient_sign_in.send(store, request, transports)
    return request.cookie


def signed_in(store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]) -> str:
    transports, received = smtp
    cookie = asked(store, transports)
    return patient_sign_in.verify_code(store, cookie, code_in(received.messages[-1]))


def test_a_code_goes_to_the_email_on_record_and_signs_the_patient_in(
    store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    cookie = asked(store, transports, EMAIL.upper(), BORN)
    (sent,) = received.messages
    assert sent["To"] == EMAIL and "sign-in code" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-generated"
    code = code_in(sent)
    session_cookie = patient_sign_in.verify_code(store, cookie, f"{code[:3]} {code[3:]}")
    who = patient_session.authenticate(store, session_cookie)
    assert who is not None and who.subject == ada
    assert who.actor.actor == f"patient:{ada}" and who.actor.role == "patient"
    assert who.csrf_token and who.expires_at == store.clock.now() + patient_session.IDLE
    with pytest.raises(AuthenticationFailed):  # a code works once
        patient_sign_in.verify_code(store, cookie, code)
    ledger = [e for e in events(store) if e.purpose == "security"]
    assert [(e.action, e.outcome) for e in ledger] == [
        ("portal.code", "allowed"),
        ("portal.sign_in", "allowed"),
        ("portal.sign_in", "denied"),
    ]
    assert all(e.subject_id == ada for e in ledger)
    assert all(code not in (e.reason or "") and EMAIL not in (e.reason or "") for e in ledger)
    with store.sessions() as session:
        row = session.scalars(select(PatientSignInCodeRow)).one()
        assert code.encode() not in bytes(row.code_digest) and len(row.code_digest) == 32
        assert row.used_at is not None


def test_a_phone_number_finds_the_patient_as_the_record_writes_it(
    store: Store, ada: str, tmp_path: Path
) -> None:
    spool = CodeTransports(spool=CodeSpool(tmp_path / "codes"))
    cookie = asked(store, spool, "+44 20 7946 0958")
    (written,) = (tmp_path / "codes").iterdir()
    assert written.stat().st_mode & 0o777 == 0o600
    text = written.read_text()
    assert "By: phone" in text and f"To: {NEW_PATIENT['phone']}\n" in text  # as held
    code = re.search(r"\b(\d{6})\b is your", text)
    assert code is not None
    assert patient_session.authenticate(
        store, patient_sign_in.verify_code(store, cookie, code.group(1))
    )


def test_the_answer_is_the_same_whether_or_not_anyone_matched(
    store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    wrong_born = patient_sign_in.request_code(store, "harmonic", EMAIL, "1984-03-03")
    nobody = patient_sign_in.request_code(store, "harmonic", "nobody@example.org", BORN)
    for request in (wrong_born, nobody):
        assert request.message is None
        assert not patient_sign_in.send(store, request, transports)
        assert request.cookie.startswith("harmonic.") and len(request.cookie) > 40
        with pytest.raises(AuthenticationFailed) as failed:
            patient_sign_in.verify_code(store, request.cookie, "123456")
        assert failed.value.message == patient_sign_in.FAILED
    assert received.messages == []
    refused = [e for e in events(store) if e.action == "portal.code"]
    assert [(e.subject_id, e.reason) for e in refused] == [
        (ada, "the date of birth did not match"),
        (None, "no record has this email"),
    ]
    with pytest.raises(InputError, match="date"):
        patient_sign_in.request_code(store, "harmonic", EMAIL, "02/03/1984")
    with pytest.raises(InputError):
        patient_sign_in.request_code(store, "harmonic", "not a phone", BORN)


def test_a_code_expires_after_ten_minutes(
    store: Store, clock: FixedClock, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    cookie = asked(store, transports)
    clock.advance(patient_sign_in.LIFETIME)
    with pytest.raises(AuthenticationFailed):
        patient_sign_in.verify_code(store, cookie, code_in(received.messages[-1]))
    assert events(store)[-1].reason == "the code had expired"


def test_five_wrong_codes_wear_a_code_out(
    store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    cookie = asked(store, transports)
    right = code_in(received.messages[-1])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(patient_sign_in.MAX_WRONG):
        with pytest.raises(AuthenticationFailed) as failed:
            patient_sign_in.verify_code(store, cookie, wrong)
        assert failed.value.message == patient_sign_in.FAILED
    with pytest.raises(AuthenticationFailed) as failed:
        patient_sign_in.verify_code(store, cookie, right)
    assert failed.value.message == patient_sign_in.FAILED
    reasons = [e.reason for e in events(store) if e.action == "portal.sign_in"]
    assert reasons == [*(f"a wrong code ({n} of 5)" for n in range(1, 6)), "5 wrong codes already"]


def test_at_most_three_codes_in_fifteen_minutes(
    store: Store, clock: FixedClock, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    for _ in range(patient_sign_in.MAX_CODES + 1):
        asked(store, transports)
    assert len(received.messages) == patient_sign_in.MAX_CODES
    assert events(store)[-1].reason == "3 codes in 15 minutes already"
    clock.advance(patient_sign_in.WINDOW)
    asked(store, transports)
    assert len(received.messages) == patient_sign_in.MAX_CODES + 1


def test_at_most_ten_codes_a_day(
    store: Store, clock: FixedClock, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    transports, received = smtp
    for _ in range(patient_sign_in.MAX_A_DAY + 1):
        asked(store, transports)
        clock.advance(patient_sign_in.WINDOW)
    assert len(received.messages) == patient_sign_in.MAX_A_DAY
    assert events(store)[-1].reason == "10 codes in 24 hours already"
    clock.advance(patient_sign_in.DAY)
    asked(store, transports)
    assert len(received.messages) == patient_sign_in.MAX_A_DAY + 1


def test_a_session_ends_when_idle_after_twelve_hours_and_at_sign_out(
    store: Store, clock: FixedClock, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    cookie = signed_in(store, ada, smtp)
    clock.advance(patient_session.IDLE - timedelta(seconds=1))
    assert patient_session.authenticate(store, cookie) is not None
    clock.advance(patient_session.IDLE)
    assert patient_session.authenticate(store, cookie) is None  # idle

    cookie = signed_in(store, ada, smtp)
    ends = clock.now() + patient_session.ABSOLUTE
    while clock.now() < ends:
        assert patient_session.authenticate(store, cookie) is not None
        clock.advance(timedelta(minutes=14, seconds=59))
    assert patient_session.authenticate(store, cookie) is None  # twelve hours on

    cookie = signed_in(store, ada, smtp)
    patient_session.sign_out(store, cookie)
    assert patient_session.authenticate(store, cookie) is None
    assert events(store)[-1].action == "portal.sign_out"
    with store.sessions() as session:
        tokens = [bytes(row.token_hash) for row in session.scalars(select(PatientSessionRow))]
    _, token = cookie.split(".", 1)
    assert token.encode() not in b"".join(tokens) and len(tokens) == 3


def test_a_signed_in_patient_reads_their_own_record_and_nobody_elses(
    store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    other = Records(store, actor("harmonic", "rita")).register(
        "care", {"full_name": "Bo Example", "email": "bo@example.org", "phone": "07700 900111"}
    )
    who = patient_session.authenticate(store, signed_in(store, ada, smtp))
    assert who is not None
    records = Records(store, who.actor)
    mine = records.read(ada, "rights_requests", ["full_name", "email"])
    assert mine["full_name"].value == NEW_PATIENT["full_name"]
    with pytest.raises(AccessDenied):
        records.read(other, "rights_requests", ["full_name"])
    with pytest.raises(AccessDenied):
        records.read(ada, "care", ["full_name"])


def test_an_erased_patient_is_signed_out_and_cannot_sign_in(
    store: Store, ada: str, smtp: tuple[CodeTransports, _Collect]
) -> None:
    _, received = smtp
    cookie = signed_in(store, ada, smtp)
    store.vault.shred("harmonic", ada)
    assert patient_session.authenticate(store, cookie) is None
    request = patient_sign_in.request_code(store, "harmonic", EMAIL, BORN)
    assert request.message is None
    assert len(received.messages) == 1


def test_a_code_that_cannot_be_sent_is_a_security_event_not_an_error(
    store: Store, ada: str
) -> None:
    request = patient_sign_in.request_code(store, "harmonic", "+44 20 7946 0958", BORN)
    assert request.message is not None and request.message.channel == "phone"
    assert "0958" not in repr(request) and "0958" not in repr(request.message)
    assert not patient_sign_in.send(store, request, CodeTransports())  # no SMS provider
    last = events(store)[-1]
    assert (last.action, last.outcome) == ("portal.code_not_sent", "denied")
    assert last.reason == "no transport for phone is set up"


@pytest.mark.promise("S0-107")
@pytest.mark.parametrize("policy_file", [HARMONIC_POLICY, HARMONY_POLICY])
@pytest.mark.parametrize("channel", ["email", "phone"])
def test_a_sign_in_code_says_nothing_about_health(
    policy_file: Path, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real words pass the health-content lint for both clinics; words that would say
    something about a patient's health are refused before anything is sent."""
    policy = load_sound_policy(policy_file)
    sent = code_delivery.message(policy, channel, "ada@example.org", "123456", 10)
    assert "123456" in sent.body
    words = "TEXT_WORDS" if channel == "phone" else "EMAIL_WORDS"
    monkeypatch.setattr(
        code_delivery,
        words,
        "{clinic}: your pregnancy scan report is ready. Code {code}, {minutes}",
    )
    with pytest.raises(ConfigurationError, match="health"):
        code_delivery.message(policy, channel, "ada@example.org", "123456", 10)

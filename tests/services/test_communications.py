"""The communications log and call recordings: a recording needs the notice first and, at
Harmonic, the patient's consent; without either, nothing is stored and the refusal is
logged; quality reviewers can play recordings, marketing cannot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, InputError
from hippocratic.services.communications import (
    CommunicationChannel,
    Communications,
    Direction,
    Recording,
)
from hippocratic.services.field_value import FieldState
from hippocratic.services.store import Store
from hippocratic.storage.clinic import CommunicationRow

NOTICE_AT = datetime(2026, 11, 24, 8, 59, tzinfo=UTC)


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def call(store: Store, subject: str, recording: Recording | None) -> object:
    return Communications(store, actor("harmonic", "rita")).log(
        subject, Direction.INBOUND, CommunicationChannel.PHONE, "Asked to move the scan",
        recording=recording,
    )  # fmt: skip


@pytest.mark.promise("S0-22")
def test_a_call_is_logged_with_direction_channel_and_purpose(clinic: Store) -> None:
    subject = book(clinic).subject_id
    logged = call(clinic, subject, None)
    assert (logged.direction, logged.channel, logged.purpose) == (
        Direction.INBOUND, CommunicationChannel.PHONE, "care",
    )  # fmt: skip
    page = Communications(clinic, actor("harmonic", "rita")).for_patient(subject)
    assert [c.summary.value for c in page.items] == ["Asked to move the scan"]


@pytest.mark.promise("S0-48")
def test_no_recording_without_the_recording_notice(clinic: Store) -> None:
    subject = book(clinic).subject_id
    with pytest.raises(InputError, match="only after the caller was told"):
        call(clinic, subject, Recording("rec/2026/11/24/0859.wav", None))
    with clinic.sessions() as session:
        assert session.scalars(select(CommunicationRow)).all() == []


@pytest.mark.promise("S0-51", "S0-47")
def test_no_recording_without_consent_and_the_refusal_is_logged(clinic: Store) -> None:
    subject = book(clinic).subject_id
    with pytest.raises(AccessDenied, match="has not agreed to “Recording calls for quality”"):
        call(clinic, subject, Recording("rec/2026/11/24/0859.wav", NOTICE_AT))
    with clinic.sessions() as session:
        assert session.scalars(select(CommunicationRow)).all() == []
    refused = events(clinic)[-1]
    assert (refused.purpose, refused.outcome) == ("call_recording", "denied")
    assert "consent:call_recording" in refused.rule_ids


@pytest.mark.promise("S0-47", "S0-51")
def test_with_consent_the_recording_is_kept_and_only_quality_can_play_it(clinic: Store) -> None:
    subject = book(clinic).subject_id
    agree(clinic, actor("harmonic", "rita"), subject, "call_recording")
    logged = call(clinic, subject, Recording("rec/2026/11/24/0859.wav", NOTICE_AT))
    assert logged.has_recording and logged.recording_notice_at == NOTICE_AT
    played = Communications(clinic, actor("harmonic", "quinn")).play(
        subject, logged.communication_id
    )
    assert played.value == "rec/2026/11/24/0859.wav"
    with pytest.raises(AccessDenied):
        Communications(clinic, actor("harmonic", "mo")).play(subject, logged.communication_id)
    heard = Communications(clinic, actor("harmonic", "rita")).play(subject, logged.communication_id)
    assert heard.state is FieldState.MASKED and "rec/" not in (heard.value or "")


def test_harmony_records_no_calls(store: Store) -> None:
    hire(store)
    from tests.services.clinic import MONDAY_NINE, NEW_PATIENT, presented

    from hippocratic.services.appointments import Appointments, Booking

    patient = {k: v for k, v in NEW_PATIENT.items() if k != "medical_history"}
    booked = Appointments(store, actor("harmony", "rhea")).book(
        Booking("gp_consultation", MONDAY_NINE, presented(store, "harmony", "booking"),
                patient=patient, clinician="cal")
    )  # fmt: skip
    with pytest.raises(InputError, match="does not record calls"):
        Communications(store, actor("harmony", "rhea")).log(
            booked.subject_id, Direction.INBOUND, CommunicationChannel.PHONE, "Call",
            recording=Recording("x", NOTICE_AT),
        )  # fmt: skip

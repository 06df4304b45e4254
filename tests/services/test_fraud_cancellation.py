"""S0-60: an automated fraud flag cannot cancel a booking without a human confirmation; once a
second person confirms the marker, reception may cancel the booking citing it."""

from __future__ import annotations

from typing import Any

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_appointments import book
from tests.services.test_fraud_markers import BASIS, EVIDENCE

from hippocratic.errors import AccessDenied
from hippocratic.guard.guard import Guard
from hippocratic.services.appointments import AppointmentStatus
from hippocratic.services.fraud_cancellation import FraudCancellation
from hippocratic.services.fraud_markers import FraudMarkers, MarkerSource
from hippocratic.services.store import Store
from hippocratic.storage.clinic import AppointmentRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def status_of(clinic: Store, appointment_id: str) -> str:
    with clinic.sessions() as session:
        row = session.get(AppointmentRow, ("harmonic", appointment_id))
        assert row is not None
        return row.status


@pytest.mark.promise("S0-60")
def test_an_automated_flag_cannot_cancel_a_booking_until_a_person_confirms_it(
    clinic: Store,
) -> None:
    booked = book(clinic)
    subject, appointment = booked.subject_id, booked.appointment_id  # type: ignore[attr-defined]
    flag = FraudMarkers(clinic, actor("harmonic", "dee")).record(
        subject, BASIS, EVIDENCE, MarkerSource.AUTOMATED
    )
    reception = FraudCancellation(clinic, actor("harmonic", "rita"))
    with pytest.raises(AccessDenied, match="a person must confirm it"):
        reception.cancel(subject, appointment, flag.marker_id)
    assert status_of(clinic, appointment) == "booked"
    refused = events(clinic)[-1]
    assert refused.outcome == "denied" and refused.subject_id == subject
    assert "fraud_marker:proposed" in refused.rule_ids and refused.actor == "rita"

    FraudMarkers(clinic, actor("harmonic", "bill")).review(
        flag.marker_id, True, "Insurer confirmed the policy belongs to another person"
    )
    cancelled = reception.cancel(subject, appointment, flag.marker_id)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert status_of(clinic, appointment) == "cancelled"
    noted = events(clinic)[-1]
    assert noted.outcome == "allowed" and noted.reason is not None
    assert f"fraud marker {flag.marker_id}, confirmed by bill" in noted.reason


def test_a_rejected_flag_cancels_nothing(clinic: Store) -> None:
    booked = book(clinic)
    subject, appointment = booked.subject_id, booked.appointment_id  # type: ignore[attr-defined]
    flag = FraudMarkers(clinic, actor("harmonic", "dee")).record(
        subject, BASIS, EVIDENCE, MarkerSource.AUTOMATED
    )
    FraudMarkers(clinic, actor("harmonic", "bill")).review(
        flag.marker_id, False, "Same surname, different person: a false match"
    )
    with pytest.raises(AccessDenied, match="rejected"):
        FraudCancellation(clinic, actor("harmonic", "rita")).cancel(
            subject, appointment, flag.marker_id
        )
    assert status_of(clinic, appointment) == "booked"


@pytest.mark.promise("S0-60")
def test_the_cancellation_and_the_event_naming_the_marker_are_one_transaction(
    clinic: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the event citing the confirmed marker cannot be written, the booking is not
    cancelled either: no cancellation without its reason on the ledger."""
    booked = book(clinic)
    subject, appointment = booked.subject_id, booked.appointment_id  # type: ignore[attr-defined]
    flag = FraudMarkers(clinic, actor("harmonic", "dee")).record(
        subject, BASIS, EVIDENCE, MarkerSource.AUTOMATED
    )
    FraudMarkers(clinic, actor("harmonic", "bill")).review(
        flag.marker_id, True, "Insurer confirmed the policy belongs to another person"
    )
    before = len(events(clinic))
    original = Guard.record

    def failing(self: Guard, request: Any, decision: Any, reason: str) -> Any:
        if "cancelled on fraud marker" in reason:
            raise RuntimeError("the ledger is unavailable")
        return original(self, request, decision, reason)

    monkeypatch.setattr(Guard, "record", failing)
    with pytest.raises(RuntimeError):
        FraudCancellation(clinic, actor("harmonic", "rita")).cancel(
            subject, appointment, flag.marker_id
        )
    assert status_of(clinic, appointment) == "booked"
    assert len(events(clinic)) == before

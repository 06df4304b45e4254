"""The marketing choice on every form that takes an email address (S0-106): unticked by
default, a tick recorded as an opt-in in the consent ledger per channel, never a condition of
booking and never stored as a field."""

from __future__ import annotations

import pytest
from tests.services.clinic import NEW_PATIENT, actor, hire, presented
from tests.services.test_appointments import MONDAY_NINE

from hippocratic.errors import InputError
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.consents import Consents
from hippocratic.services.records import Records
from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def book(store: Store, **patient: object) -> str:
    return (
        Appointments(store, actor("harmonic", "rita"))
        .book(
            Booking(
                service="health_check_scan",
                starts_at=MONDAY_NINE,
                capture=presented(store, "harmonic", "booking"),
                patient={**NEW_PATIENT, "service_booked": "health_check_scan", **patient},
                clinician="sam",
            )
        )
        .subject_id
    )


def consents(store: Store, subject: str) -> list[tuple[str | None, str, bool]]:
    history = Consents(store, actor("harmonic", "dee")).history(subject, "rights_requests")
    return [(n.channel, n.purpose, n.live) for n in history.current]


@pytest.mark.promise("S0-106", "S0-46")
def test_a_tick_on_the_booking_form_is_an_opt_in_and_no_tick_is_nothing(clinic: Store) -> None:
    ticked = book(clinic, marketing_consent="email")
    assert consents(clinic, ticked) == [("email", "marketing", True)]
    entry = Consents(clinic, actor("harmonic", "dee")).history(ticked, "rights_requests").events[0]
    assert (entry.method, entry.recorded_by) == ("phone", "rita")
    assert "Book a scan" in (entry.evidence or "")
    unticked = book(clinic, full_name="Bea Example", email="bea@example.org")
    assert consents(clinic, unticked) == []
    shown = Records(clinic, actor("harmonic", "dee")).read(
        ticked, "rights_requests", ["full_name", "marketing_consent"]
    )
    assert "marketing_consent" not in shown  # the choice lives in the ledger only
    with pytest.raises(InputError, match="channels ticked"):
        book(clinic, full_name="Cy Example", marketing_consent="fax")

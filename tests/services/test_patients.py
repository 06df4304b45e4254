"""Patients as staff meet them: registered through a form, found by identifiers (never by a
field the searcher sees masked), shown with why a field is masked, opened from a call only
after the caller's identity was checked."""

from __future__ import annotations

import pytest
from tests.services.clinic import MONDAY_NINE, NEW_PATIENT, actor, events, hire, presented
from tests.services.test_referrals import PATIENT, refer

from hippocratic.errors import AccessDenied, InputError
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.break_glass_review import BreakGlassReviews
from hippocratic.services.field_value import FieldState
from hippocratic.services.patients import ContactChannel, InboundContact, Patients
from hippocratic.services.records import Records
from hippocratic.services.store import Store

NHS = {"nhs_number": "999 000 0018"}


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def register(store: Store) -> str:
    return refer(store, patient={**PATIENT, **NEW_PATIENT, **NHS}).subject_id


@pytest.mark.promise("S1-06", "S0-14")
def test_a_new_patients_values_are_checked_by_their_kind(clinic: Store) -> None:
    for field, bad in (("email", "ada@"), ("nhs_number", "9990000019"), ("phone", "12")):
        with pytest.raises(InputError) as raised:
            refer(clinic, patient={**PATIENT, field: bad})
        assert raised.value.field == field
    with pytest.raises(InputError, match="not something Harmonic Medical Sonography records"):
        refer(clinic, patient={**PATIENT, "shoe_size": "9"})
    assert events(clinic) == []


@pytest.mark.promise("S1-06")
def test_harmony_books_a_new_patient_without_gender(clinic: Store) -> None:
    values = {k: NEW_PATIENT[k] for k in ("full_name", "date_of_birth", "email", "phone")}
    booked = Appointments(clinic, actor("harmony", "rhea")).book(
        Booking("gp_consultation", MONDAY_NINE, presented(clinic, "harmony", "booking"),
                patient=values, clinician="cal")
    )  # fmt: skip
    view = Patients(clinic, actor("harmony", "rhea")).view(booked.subject_id)
    assert "gender" in view.titles and "gender" not in view.fields


def test_the_view_shows_masked_fields_and_why(clinic: Store) -> None:
    subject = register(clinic)
    view = Patients(clinic, actor("harmonic", "rita")).view(subject)
    assert view.fields["full_name"].value == "Ada Example"
    assert view.fields["nhs_number"].state is FieldState.VALUE
    assert view.titles["nhs_number"] == "NHS number"


@pytest.mark.promise("S0-37")
def test_an_inbound_call_needs_two_identifiers_checked_and_says_so_on_the_event(
    clinic: Store,
) -> None:
    subject = register(clinic)
    patients = Patients(clinic, actor("harmonic", "rita"))
    with pytest.raises(InputError, match="check at least 2"):
        patients.view(subject, inbound=InboundContact(ContactChannel.PHONE, ["full_name"]))
    checked = InboundContact(ContactChannel.PHONE, ["full_name", "date_of_birth"])
    view = patients.view(subject, inbound=checked)
    assert view.purpose == "identify_you"
    read = events(clinic)[-1]
    assert read.reason == "inbound phone; identity checked: full_name, date_of_birth"
    assert read.purpose == "identify_you"


def test_search_by_name_and_date_of_birth_lists_the_matches_audited(clinic: Store) -> None:
    subject = register(clinic)
    found = Patients(clinic, actor("harmonic", "rita")).search(
        {"full_name": "ada  EXAMPLE", "date_of_birth": "1984-03-02"}
    )
    assert [(p.subject_id, p.fields["full_name"].value) for p in found] == [
        (subject, "Ada Example")
    ]
    assert [e.action for e in events(clinic)[-2:]] == ["search", "read"]


def test_a_masked_field_cannot_be_searched_on(clinic: Store) -> None:
    register(clinic)
    from hippocratic.services.actor import Actor

    auditor = Patients(clinic, Actor("harmonic", "aud", "auditor"))
    with pytest.raises(AccessDenied, match="only hidden, so cannot search"):
        auditor.search({"nhs_number": "999 000 0018"}, purpose="access_audit")


@pytest.mark.promise("S0-80")
def test_break_glass_asks_for_a_reason_and_the_dpo_reviews_it(clinic: Store) -> None:
    subject = register(clinic)
    sue = Records(clinic, actor("harmonic", "sue"))
    with pytest.raises(InputError, match="reason"):
        sue.break_glass(subject, "  ")
    sue.break_glass(subject, "Collapsed at reception")
    reviews = BreakGlassReviews(clinic, actor("harmonic", "dee"))
    (use,) = reviews.queue()
    assert (use.actor, use.subject_id, use.reason) == ("sue", subject, "Collapsed at reception")
    reviews.resolve(use.item_id, "Justified: emergency")
    assert reviews.queue() == []
    with pytest.raises(AccessDenied):
        BreakGlassReviews(clinic, actor("harmonic", "rita")).queue()

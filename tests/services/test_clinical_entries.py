"""Clinical entries: clinicians in care author reports; reception sees clinical detail only
masked and can never author it; an amendment supersedes, never overwrites."""

from __future__ import annotations

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, InputError
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.field_value import FieldState
from hippocratic.services.records import Records
from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.mark.promise("S0-125")
def test_a_scan_report_needs_a_clinical_role_and_links_to_its_appointment(clinic: Store) -> None:
    appointment = book(clinic)
    subject = appointment.subject_id
    report = ClinicalEntries(clinic, actor("harmonic", "sam")).add(
        subject, "obstetric_report", "Single live intrauterine pregnancy, CRL 45 mm.",
        appointment_id=appointment.appointment_id,
    )  # fmt: skip
    assert report.content.value.startswith("Single live") and report.title
    assert report.appointment_id == appointment.appointment_id
    with pytest.raises(AccessDenied, match="only staff who may read"):
        ClinicalEntries(clinic, actor("harmonic", "rita")).add(subject, "scan_report", "Normal")
    assert [e.outcome for e in events(clinic) if e.action == "author"] == ["allowed", "denied"]


@pytest.mark.promise("S0-125", "S0-80")
def test_reception_sees_clinical_entries_masked_and_why(clinic: Store) -> None:
    appointment = book(clinic)
    ClinicalEntries(clinic, actor("harmonic", "sam")).add(
        appointment.subject_id, "scan_report", "Liver normal."
    )
    page = ClinicalEntries(clinic, actor("harmonic", "rita")).for_patient(appointment.subject_id)
    shown = {entry.field: entry.content for entry in page.items}
    assert shown["scan_report"].state is FieldState.MASKED
    assert shown["scan_report"].value == "[redacted]"
    assert (
        shown["scan_report"].why
        == "Reception and administration staff do not see Scan images and reports"
    )
    assert shown["medical_history"].state is FieldState.MASKED
    sam = ClinicalEntries(clinic, actor("harmonic", "sam")).for_patient(appointment.subject_id)
    assert {e.content.value for e in sam.items} == {"Liver normal.", "Asthma, well controlled"}


def test_a_clinician_without_care_needs_break_glass(clinic: Store) -> None:
    appointment = book(clinic)
    sue = ClinicalEntries(clinic, actor("harmonic", "sue"))
    with pytest.raises(AccessDenied, match="break-glass"):
        sue.for_patient(appointment.subject_id)
    Records(clinic, actor("harmonic", "sue")).break_glass(
        appointment.subject_id, "Patient collapsed in the waiting room"
    )
    assert sue.for_patient(appointment.subject_id).items


def test_an_amendment_supersedes_and_keeps_the_original(clinic: Store) -> None:
    appointment = book(clinic)
    sam = ClinicalEntries(clinic, actor("harmonic", "sam"))
    first = sam.add(appointment.subject_id, "scan_report", "Liver normal.")
    second = sam.add(
        appointment.subject_id, "scan_report", "Liver normal; gallbladder polyp 4 mm.",
        supersedes=first.entry_id,
    )  # fmt: skip
    assert second.supersedes == first.entry_id
    kept = {e.entry_id for e in sam.for_patient(appointment.subject_id).items}
    assert {first.entry_id, second.entry_id} <= kept
    with pytest.raises(InputError, match="not a kind of clinical entry"):
        sam.add(appointment.subject_id, "correspondence", "x")


@pytest.mark.promise("S0-86")
def test_a_card_number_in_a_clinical_note_is_refused_and_not_logged(clinic: Store) -> None:
    appointment = book(clinic)
    before = len(events(clinic))
    with pytest.raises(InputError, match="payment card number"):
        ClinicalEntries(clinic, actor("harmonic", "sam")).add(
            appointment.subject_id, "scan_report", "paid with 4111 1111 1111 1111"
        )
    assert len(events(clinic)) == before

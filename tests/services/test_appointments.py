"""Booking: a capture through the booking form, a sealed service, a care relationship for
the clinician, and the day's worklist scoped by the guard."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.services.clinic import MONDAY_NINE, NEW_PATIENT, actor, events, hire, presented

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, InputError, NoticeRequired
from hippocratic.services.appointments import Appointments, AppointmentStatus, Booking
from hippocratic.services.capture import Capture
from hippocratic.services.field_value import FieldState
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.services.worklist import Worklist
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow
from hippocratic.storage.collection import NoticePresentationRow
from hippocratic.storage.record import SubjectFieldRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def book(store: Store, **changes: object) -> object:
    booking = Booking(
        service="early_pregnancy_scan",
        starts_at=MONDAY_NINE,
        capture=presented(store, "harmonic", "booking"),
        patient={**NEW_PATIENT, "service_booked": "early_pregnancy_scan"},
        clinician="sam",
    )
    fields = {**booking.__dict__, **changes}
    patient = fields.get("patient")
    if isinstance(patient, dict):
        patient = {k: v for k, v in patient.items() if k != "service_booked"}
    fields["patient"] = patient
    return Appointments(store, actor("harmonic", "rita")).book(Booking(**fields))  # type: ignore[arg-type]


@pytest.mark.promise("S0-06", "S0-125")
def test_booking_a_new_patient_stores_the_appointment_the_notice_and_the_history(
    clinic: Store,
) -> None:
    appointment = book(clinic)
    assert appointment.service.value == "early_pregnancy_scan"
    assert appointment.service_title == "Early pregnancy scan"
    assert appointment.status is AppointmentStatus.BOOKED
    with clinic.sessions() as session:
        row = session.get(AppointmentRow, ("harmonic", appointment.appointment_id))
        assert row is not None and b"pregnancy" not in bytes(row.service)
        shown = session.scalars(select(NoticePresentationRow)).one()
        assert (shown.form, shown.notice_version, shown.subject_id) == (
            "booking",
            "2024-11-18",
            appointment.subject_id,
        )
        entry = session.scalars(select(ClinicalEntryRow)).one()
        assert entry.field == "medical_history" and entry.appointment_id == row.appointment_id
    created = [e for e in events(clinic) if e.action == "create"]
    assert len(created) == 1 and "notice 2024-11-18 presented on form booking" in created[0].reason


@pytest.mark.promise("S0-06")
def test_a_booking_without_the_notice_stores_nothing(clinic: Store) -> None:
    with pytest.raises(NoticeRequired, match="privacy notice was presented"):
        book(clinic, capture=None)
    with pytest.raises(NoticeRequired, match="not the one in force"):
        book(clinic, capture=Capture("booking", "2020-01-01"))
    with clinic.sessions() as session:
        assert session.scalars(select(AppointmentRow)).all() == []
    assert events(clinic) == []


@pytest.mark.promise("S0-19")
def test_optional_fields_are_never_a_condition_but_mandatory_ones_say_why(clinic: Store) -> None:
    policy = clinic.policy_of("harmonic")
    optional = {
        f for f in policy.form_by_key["booking"].fields if not policy.field_by_key[f].required
    }
    assert optional == {
        "gender",
        "postal_address",
        "pregnancy_details",
        "referrer_name",
        "marketing_consent",  # the unticked marketing choice (S0-106): never a condition
    }
    assert not optional & set(NEW_PATIENT)
    assert book(clinic, patient=NEW_PATIENT).status is AppointmentStatus.BOOKED
    without_history = {k: v for k, v in NEW_PATIENT.items() if k != "medical_history"}
    with pytest.raises(InputError, match="The sonographer needs it") as missing:
        book(clinic, patient=without_history)
    assert missing.value.field == "medical_history"


@pytest.mark.promise("S0-06")
def test_a_returning_patient_is_not_asked_again_for_what_their_record_holds(
    clinic: Store,
) -> None:
    first = book(clinic)
    again = book(
        clinic,
        subject=first.subject_id,  # type: ignore[attr-defined]
        patient=None,
        starts_at=MONDAY_NINE + timedelta(days=7),
    )
    assert again.subject_id == first.subject_id  # type: ignore[attr-defined]
    with clinic.sessions() as session:
        rows = session.scalars(select(AppointmentRow.subject_id)).all()
        histories = session.scalars(select(ClinicalEntryRow.field)).all()
    assert rows == [first.subject_id] * 2  # type: ignore[attr-defined]
    assert histories == ["medical_history"]
    update = book(
        clinic,
        subject=first.subject_id,  # type: ignore[attr-defined]
        patient={"medical_history": "Asthma, now on a new inhaler"},
        starts_at=MONDAY_NINE + timedelta(days=14),
    )
    assert update.status is AppointmentStatus.BOOKED  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="corrected on their record") as personal:
        book(
            clinic,
            subject=first.subject_id,  # type: ignore[attr-defined]
            patient={"email": "new@example.org"},
            starts_at=MONDAY_NINE + timedelta(days=21),
        )
    assert personal.value.field == "email"
    with clinic.sessions() as session:
        assert len(session.scalars(select(ClinicalEntryRow.field)).all()) == 2


def test_a_clinician_must_be_a_clinician(clinic: Store) -> None:
    with pytest.raises(InputError, match="not a clinician") as raised:
        book(clinic, clinician="bill")
    assert raised.value.field == "clinician"


@pytest.mark.promise("S0-125", "S0-80")
def test_booking_opens_care_for_the_clinician_only(clinic: Store) -> None:
    appointment = book(clinic)
    sam = Records(clinic, actor("harmonic", "sam"))
    assert sam.read(appointment.subject_id, "care", ["full_name"])["full_name"].value
    with pytest.raises(AccessDenied, match="not caring for this patient"):
        Records(clinic, actor("harmonic", "sue")).read(
            appointment.subject_id, "care", ["full_name"]
        )


def test_cancelling_the_last_appointment_ends_care(clinic: Store) -> None:
    appointment = book(clinic)
    rita = Appointments(clinic, actor("harmonic", "rita"))
    rita.set_status(appointment.subject_id, appointment.appointment_id, AppointmentStatus.CANCELLED)
    with pytest.raises(AccessDenied, match="not caring"):
        Records(clinic, actor("harmonic", "sam")).read(
            appointment.subject_id, "care", ["full_name"]
        )


def test_care_ends_thirty_days_after_the_appointment(clinic: Store) -> None:
    appointment = book(clinic)
    clinic.clock.advance(MONDAY_NINE - clinic.clock.now() + timedelta(days=31))  # type: ignore[attr-defined]
    with pytest.raises(AccessDenied, match="not caring"):
        Records(clinic, actor("harmonic", "sam")).read(
            appointment.subject_id, "care", ["full_name"]
        )


def test_an_attended_appointment_cannot_be_cancelled(clinic: Store) -> None:
    appointment = book(clinic)
    rita = Appointments(clinic, actor("harmonic", "rita"))
    rita.set_status(appointment.subject_id, appointment.appointment_id, AppointmentStatus.ATTENDED)
    with pytest.raises(InputError, match="attended cannot become cancelled"):
        rita.set_status(
            appointment.subject_id, appointment.appointment_id, AppointmentStatus.CANCELLED
        )


@pytest.mark.promise("S0-80")
def test_the_worklist_shows_each_actor_only_whom_they_may_see(clinic: Store) -> None:
    first = book(clinic)
    second = book(clinic, clinician="sue", starts_at=MONDAY_NINE + timedelta(hours=1))
    day = MONDAY_NINE.date()
    reception = Worklist(clinic, actor("harmonic", "rita")).day(day)
    assert [i.appointment.appointment_id for i in reception.items] == [
        first.appointment_id,
        second.appointment_id,
    ]
    assert reception.items[0].patient["full_name"].value == "Ada Example"
    sam = Worklist(clinic, actor("harmonic", "sam")).day(day)
    assert [i.appointment.appointment_id for i in sam.items] == [first.appointment_id]
    listed = [e for e in events(clinic) if e.reason and e.reason.startswith("worklist")]
    assert [(e.actor, e.subject_id) for e in listed] == [
        ("rita", first.subject_id),
        ("rita", second.subject_id),
        ("sam", first.subject_id),
    ]


def test_the_worklist_pages_by_cursor(clinic: Store) -> None:
    made = [
        book(clinic, starts_at=MONDAY_NINE + timedelta(minutes=20 * n)).appointment_id
        for n in range(5)
    ]
    worklist = Worklist(clinic, actor("harmonic", "rita"))
    first = worklist.day(MONDAY_NINE.date(), limit=2)
    second = worklist.day(MONDAY_NINE.date(), limit=2, cursor=first.next)
    third = worklist.day(MONDAY_NINE.date(), limit=2, cursor=second.next)
    assert [i.appointment.appointment_id for p in (first, second, third) for i in p.items] == made
    assert third.next is None
    with pytest.raises(InputError, match="cursor"):
        worklist.day(MONDAY_NINE.date(), cursor="not-a-cursor")


def test_marketing_sees_no_worklist(clinic: Store) -> None:
    book(clinic)
    with pytest.raises(AccessDenied):
        Worklist(clinic, actor("harmonic", "mo")).day(MONDAY_NINE.date())
    assert events(clinic)[-1].outcome == "denied"


def test_reception_sees_the_service_but_marketing_cannot_read_it(clinic: Store) -> None:
    appointment = book(clinic)
    page = Appointments(clinic, actor("harmonic", "rita")).for_patient(appointment.subject_id)
    assert page.items[0].service.state is FieldState.VALUE
    with pytest.raises(AccessDenied):
        Appointments(clinic, actor("harmonic", "mo")).for_patient(appointment.subject_id)


@pytest.mark.promise("S0-118")
def test_a_booking_confirms_contact_details_last_confirmed_over_a_year_ago(
    clinic: Store, clock: FixedClock
) -> None:
    first = book(clinic)
    subject = first.subject_id  # type: ignore[attr-defined]
    again = Booking(
        service="early_pregnancy_scan",
        starts_at=MONDAY_NINE + timedelta(days=400),
        capture=presented(clinic, "harmonic", "booking"),
        subject=subject,
    )
    rita = Appointments(clinic, actor("harmonic", "rita"))
    clock.advance(timedelta(days=364))  # 23 Nov 2027: given 24 Nov 2026, under a year ago
    assert rita.book(again).subject_id == subject
    clock.advance(timedelta(days=2))  # 25 Nov 2027: over twelve months since given
    before = len(events(clinic))
    with pytest.raises(InputError, match="24 November 2026, more than 12 months") as refused:
        rita.book(again)
    assert refused.value.field == "contact_confirmed"
    assert "Email address" in str(refused.value) or "email" in str(refused.value).lower()
    assert len(events(clinic)) == before  # refused before anything, nothing stored or decided
    with clinic.sessions() as session:
        count = len(list(session.scalars(select(AppointmentRow))))
    assert count == 2

    confirmed = rita.book(replace(again, contact_confirmed=True))
    assert confirmed.subject_id == subject
    assert "contact details confirmed: email, phone" in (events(clinic)[-1].reason or "")
    with clinic.sessions() as session:
        stamps = dict(
            session.execute(
                select(SubjectFieldRow.field, SubjectFieldRow.verified_at).where(
                    SubjectFieldRow.subject_id == subject
                )
            ).all()
        )
    assert stamps["email"] == clock.now() and stamps["phone"] == clock.now()
    assert stamps["full_name"] < clock.now()  # only contact details are confirmed
    assert rita.book(again).subject_id == subject  # fresh again: no need to ask


def test_harmony_never_asks_to_confirm_contact_details(clinic: Store, clock: FixedClock) -> None:
    bea = Records(clinic, actor("harmony", "rhea"))
    subject = bea.register(
        "service_delivery",
        {"full_name": "Bo Example", "date_of_birth": "1990-01-02", "email": "bo@example.org"},
    )
    clock.advance(timedelta(days=900))
    booking = Booking(
        service=clinic.policy_of("harmony").services[0].key,
        starts_at=clock.now() + timedelta(days=3),
        capture=presented(clinic, "harmony", "booking"),
        subject=subject,
    )
    assert Appointments(clinic, actor("harmony", "rhea")).book(booking).subject_id == subject

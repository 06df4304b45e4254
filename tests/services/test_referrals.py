"""Referrals in: the letter and question sealed, an Art. 14 task due within a month (or at
first contact), care for the clinician who accepts it, and the DPO's overdue list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.services.clinic import NEW_PATIENT, actor, events, hire, presented

from hippocratic.errors import AccessDenied, InputError, NoticeRequired
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.field_value import FieldState
from hippocratic.services.records import Records
from hippocratic.services.referrals import Intake, Referrals, ReferralStatus, ReferrerKind
from hippocratic.services.store import Store

PATIENT = {
    "full_name": "Bea Sample",
    "date_of_birth": "1990-06-15",
    "nhs_number": "999 000 0018",
    "email": "bea.sample@example.org",
    "phone": "020 7946 0001",
    "medical_history": "Right upper quadrant pain",
}


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def refer(store: Store, **changes: object) -> object:
    intake = {
        "referrer_kind": ReferrerKind.GP,
        "referrer": "Dr Example, Example Surgery",
        "letter": "Please scan the gallbladder.",
        "reason": "Suspected gallstones",
        "capture": presented(store, "harmonic", "referral"),
        "patient": PATIENT,
        **changes,
    }
    return Referrals(store, actor("harmonic", "rita")).intake(Intake(**intake))  # type: ignore[arg-type]


@pytest.mark.promise("S0-18", "S0-126")
def test_a_referral_opens_an_art14_task_due_within_a_month(clinic: Store) -> None:
    referral = refer(clinic)
    assert referral.status is ReferralStatus.RECEIVED
    assert referral.art14_due == date(2026, 12, 24)  # obtained 24 November: one month later
    assert (referral.art14_due - date(2026, 11, 24)).days <= 30
    tasks = Art14Tasks(clinic, actor("harmonic", "dee")).for_patient(referral.subject_id)
    assert [(t.source_kind, t.source, t.overdue) for t in tasks] == [
        ("referral", "referrer", False)
    ]


@pytest.mark.promise("S0-18")
def test_an_unsent_notice_past_its_date_is_on_the_dpos_overdue_list(clinic: Store) -> None:
    referral = refer(clinic)
    dee = Art14Tasks(clinic, actor("harmonic", "dee"))
    assert dee.queue(overdue_only=True).items == []
    clinic.clock.advance(timedelta(days=40))  # type: ignore[attr-defined]
    overdue = dee.queue(overdue_only=True).items
    assert [(t.subject_id, t.overdue) for t in overdue] == [(referral.subject_id, True)]
    with pytest.raises(AccessDenied, match="only the Data Protection Manager"):
        Art14Tasks(clinic, actor("harmonic", "rita")).queue()
    assert [e.outcome for e in events(clinic) if e.purpose == "oversight"] == [
        "allowed",
        "allowed",
        "denied",
    ]
    closed = dee.close(overdue[0].task_id, "privacy notice emailed to the patient")
    assert closed.done_by == "dee" and not closed.overdue
    assert dee.queue().items == []


@pytest.mark.promise("S0-18")
def test_first_contact_brings_the_notice_forward(clinic: Store) -> None:
    referral = refer(clinic)
    clinic.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    Communications(clinic, actor("harmonic", "rita")).log(
        referral.subject_id, Direction.OUTBOUND, CommunicationChannel.PHONE, "Offered a slot"
    )
    (task,) = Art14Tasks(clinic, actor("harmonic", "dee")).for_patient(referral.subject_id)
    assert task.due_on == date(2026, 11, 27)
    assert "first communication" in task.due_reason


def test_a_referral_needs_the_referral_forms_notice(clinic: Store) -> None:
    with pytest.raises(NoticeRequired):
        refer(clinic, capture=None)
    with pytest.raises(NoticeRequired, match="form 'booking'"):
        refer(clinic, capture=presented(clinic, "harmonic", "booking"))


@pytest.mark.promise("S0-126", "S0-125")
def test_accepting_a_referral_lets_that_clinician_see_it(clinic: Store) -> None:
    referral = refer(clinic)
    reception = Referrals(clinic, actor("harmonic", "rita"))
    shown = reception.for_patient(referral.subject_id).items[0]
    assert shown.referrer.state is FieldState.VALUE
    assert shown.letter.state is FieldState.MASKED  # reception is shown no clinical letter
    with pytest.raises(AccessDenied):
        Referrals(clinic, actor("harmonic", "sam")).for_patient(referral.subject_id)
    accepted = reception.decide(referral.subject_id, referral.referral_id, accept=True,
                                clinician="sam")  # fmt: skip
    assert accepted.status is ReferralStatus.ACCEPTED
    letter = Referrals(clinic, actor("harmonic", "sam")).for_patient(referral.subject_id)
    assert letter.items[0].letter.value == "Please scan the gallbladder."
    with pytest.raises(InputError, match="already accepted"):
        reception.decide(referral.subject_id, referral.referral_id, accept=False)


def test_an_existing_patient_can_be_referred_again(clinic: Store) -> None:
    first = refer(clinic)
    again = refer(clinic, patient=None, subject=first.subject_id)
    assert again.subject_id == first.subject_id
    assert Records(clinic, actor("harmonic", "rita")).find("care", "nhs_number", "9990000018") == [
        first.subject_id
    ]


def test_harmony_keeps_no_referrals(store: Store) -> None:
    hire(store)
    with pytest.raises(Exception, match="does not keep referral records"):
        Referrals(store, actor("harmony", "rhea")).intake(
            Intake(ReferrerKind.GP, "Dr X", "letter", "reason", None, patient=NEW_PATIENT)
        )

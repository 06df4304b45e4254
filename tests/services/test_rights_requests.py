"""Rights requests: intake from every channel with its received time and requester, linking of
repeats, identity in proportion to risk, the clock with pauses, fee and extension, the DPO's
decisions with reasons, and the queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tests.services.clinic import MONDAY_NINE, NEW_PATIENT, actor, events, hire, presented
from tests.services.test_appointments import book

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.patient_portal import PatientPortal
from hippocratic.services.rights_decisions import RefusalGround, RightsDecisions
from hippocratic.services.rights_letters import LetterKind, RightsLetters
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel, Requester, RightsRequests
from hippocratic.services.store import Store
from hippocratic.storage.rights_request import RightsRequestRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def patient(clinic: Store) -> str:
    subject: str = book(clinic).subject_id  # type: ignore[attr-defined]
    return subject


def staff(clinic: Store, who: str = "rita") -> RightsDecisions:
    return RightsDecisions(clinic, actor("harmonic", who))


@pytest.mark.promise("S1-39", "L-01")
def test_a_phone_request_logged_by_staff_runs_from_the_call_not_from_the_typing(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    call = datetime(2026, 11, 20, 16, 45, tzinfo=UTC)
    request = staff(clinic).submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.PHONE,
                         "My date of birth is wrong", received_at=call)
    )  # fmt: skip
    assert request.received_at == call and request.recorded_by == "rita"
    assert request.channel is RequestChannel.PHONE and request.requester is Requester.SELF
    assert request.due == date(2026, 12, 21)  # 20 Dec is a Sunday: next working day
    assert not request.identity_required  # a correction discloses nothing
    assert request.detail is not None and request.detail.value == "My date of birth is wrong"
    with clinic.sessions() as session:
        row = session.get(RightsRequestRow, ("harmonic", request.request_id))
        assert row is not None and row.due == date(2026, 12, 21)
        assert b"date of birth" not in (row.detail or b"")  # sealed under the patient's key
    event = events(clinic)[-1]
    assert event.purpose == "rights_requests" and event.subject_id == subject


@pytest.mark.promise("L-01")
def test_a_request_received_31_january_is_due_the_last_day_of_february(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    clock.advance(datetime(2027, 1, 31, 10, tzinfo=UTC) - clock.now())
    request = staff(clinic, "dee").submit(
        NewRightsRequest(subject, RightName.RESTRICTION, RequestChannel.LETTER)
    )
    assert request.due == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday


def test_a_repeat_of_an_open_request_is_linked_not_opened_twice(clinic: Store) -> None:
    subject = patient(clinic)
    first = staff(clinic).submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    again = staff(clinic).submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.EMAIL))
    assert first.status is RequestStatus.OPEN
    assert again.status is RequestStatus.LINKED and again.duplicate_of == first.request_id
    other = staff(clinic).submit(
        NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER)
    )
    assert other.status is RequestStatus.OPEN
    queue = staff(clinic, "dee").queue()
    assert [item.request.request_id for item in queue] == [first.request_id, other.request_id]
    assert queue[0].patient["full_name"].value == "Ada Example"


@pytest.mark.promise("S0-88")
def test_identity_is_asked_for_in_proportion_to_risk_and_starts_the_clock(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    emailed = staff(clinic).submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.EMAIL)
    )
    assert emailed.identity_required and "reasonable doubt" in emailed.identity_rule
    assert emailed.waiting_for == "proof of identity"
    assert emailed.due == date(2026, 12, 24)  # the earliest it could be, while we wait
    with pytest.raises(Conflict, match="identity"):
        staff(clinic, "dee").complete(emailed.request_id, "sent")
    clock.advance(timedelta(days=6))  # evidence arrives on 30 November
    verified = staff(clinic).verify_identity(emailed.request_id, "passport seen at the desk")
    assert verified.waiting_for is None and verified.deadline.starts == date(2026, 11, 30)
    assert verified.due == date(2026, 12, 30)
    letter = staff(clinic).submit(
        NewRightsRequest(subject, RightName.OBJECTION, RequestChannel.LETTER)
    )
    assert not letter.identity_required and "no reasonable doubt" in letter.identity_rule


def test_a_parent_or_representative_must_show_authority(clinic: Store) -> None:
    subject = patient(clinic)
    with pytest.raises(InputError, match="authority"):
        staff(clinic).submit(
            NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER,
                             requester=Requester.PARENT, requester_name="Bo Example")
        )  # fmt: skip
    parent = staff(clinic).submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER,
                         requester=Requester.PARENT, requester_name="Bo Example",
                         authority="birth certificate naming Bo Example as mother")
    )  # fmt: skip
    assert parent.identity_required and "authority" in (parent.waiting_for or "")
    assert parent.requester_name is not None and parent.requester_name.value == "Bo Example"


def test_the_patient_makes_a_request_through_the_portal_already_verified(clinic: Store) -> None:
    subject = patient(clinic)
    me = RightsDecisions(clinic, patient_actor("harmonic", subject))
    mine = me.submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.PORTAL, "all of it")
    )
    assert not mine.identity_required and mine.identity_verified_at is not None
    assert [r.request_id for r in me.for_patient(subject)] == [mine.request_id]
    with pytest.raises(AccessDenied):
        me.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    with pytest.raises(AccessDenied):
        me.extend(mine.request_id, "complex: many records over many years")
    someone = patient_actor("harmonic", "someone-else")
    with pytest.raises(AccessDenied):
        RightsRequests(clinic, someone).submit(
            NewRightsRequest(subject, RightName.ACCESS, RequestChannel.PORTAL)
        )
    assert me.withdraw(mine.request_id).status is RequestStatus.WITHDRAWN


@pytest.mark.promise("L-01")
def test_pauses_move_the_due_date_and_both_boundary_days_count(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    dpo = staff(clinic, "dee")
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    assert request.due == date(2026, 12, 24)
    clock.advance(timedelta(days=2))  # 26 November: ask which records they mean
    paused = dpo.pause(request.request_id, "which appointments the request is about")
    assert paused.waiting_for == "which appointments the request is about"
    with pytest.raises(Conflict):
        dpo.pause(request.request_id, "something else")
    clock.advance(timedelta(days=3))  # 29 November: the answer arrives
    resumed = dpo.resume(request.request_id)
    assert resumed.deadline.paused_days == 4 and resumed.due == date(2026, 12, 29)
    assert [step.name for step in resumed.steps] == ["received", "pause", "resume"]


@pytest.mark.promise("L-01")
def test_an_extension_needs_a_reason_the_dpo_and_the_first_month(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    request = staff(clinic).submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER)
    )
    with pytest.raises(AccessDenied, match="Data Protection Manager"):
        staff(clinic).extend(request.request_id, "many records over many years")
    extended = staff(clinic, "dee").extend(request.request_id, "records over eleven years")
    assert extended.extended and extended.due == date(2027, 2, 24)
    assert extended.deadline.extension_notice_by == date(2026, 12, 24)
    late = staff(clinic).submit(NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER))
    clock.advance(timedelta(days=31))
    with pytest.raises(Conflict, match="too late to extend"):
        staff(clinic, "dee").extend(late.request_id, "many systems to search")


@pytest.mark.promise("S0-116")
def test_a_fee_or_refusal_needs_the_dpo_a_justification_and_a_policy_that_allows_it(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    dpo = staff(clinic, "dee")
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    with pytest.raises(InputError, match="justification"):
        dpo.refuse(request.request_id, RefusalGround.MANIFESTLY_EXCESSIVE, "no")
    with pytest.raises(AccessDenied):
        staff(clinic).refuse(
            request.request_id, RefusalGround.MANIFESTLY_EXCESSIVE, "the fourth copy this month"
        )
    charged = dpo.charge_fee(
        request.request_id, 1000, RefusalGround.MANIFESTLY_EXCESSIVE,
        "a fourth identical request in four weeks, each already answered",
    )  # fmt: skip
    assert charged.waiting_for == "the fee of £10.00"
    clock.advance(timedelta(days=5))
    paid = dpo.fee_paid(request.request_id)
    assert paid.deadline.starts == date(2026, 11, 29) and paid.due == date(2026, 12, 29)
    refused = dpo.refuse(
        request.request_id, RefusalGround.MANIFESTLY_UNFOUNDED,
        "made only to disrupt the clinic, as the requester said in writing",
    )  # fmt: skip
    assert refused.status is RequestStatus.REFUSED and refused.outcome is not None
    assert not dpo.queue()
    with pytest.raises(Conflict):
        dpo.complete(request.request_id, "sent")


def test_harmony_charges_no_fee_ever(clinic: Store) -> None:
    values = {k: NEW_PATIENT[k] for k in ("full_name", "date_of_birth", "email", "phone")}
    subject = (
        Appointments(clinic, actor("harmony", "rhea"))
        .book(
            Booking(
                "gp_consultation",
                MONDAY_NINE,
                presented(clinic, "harmony", "booking"),
                patient=values,
                clinician="cal",
            )
        )
        .subject_id
    )
    dora = RightsDecisions(clinic, actor("harmony", "dora"))
    request = dora.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    with pytest.raises(InputError, match="free"):
        dora.charge_fee(
            request.request_id, 1000, RefusalGround.MANIFESTLY_EXCESSIVE,
            "a fourth identical request in four weeks",
        )  # fmt: skip


def test_consent_and_complaints_are_not_rights_requests_here(clinic: Store) -> None:
    subject = patient(clinic)
    with pytest.raises(InputError) as refused:
        staff(clinic).submit(
            NewRightsRequest(subject, RightName.WITHDRAW_CONSENT, RequestChannel.LETTER)
        )
    assert "consents" in (refused.value.hint or "")
    with pytest.raises(InputError, match="future"):
        staff(clinic).submit(
            NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER,
                             received_at=datetime(2030, 1, 1, tzinfo=UTC))
        )  # fmt: skip


@pytest.mark.promise("S0-36")
def test_a_patient_may_always_ask_about_their_data_and_the_answer_is_kept(
    clinic: Store, clock: FixedClock
) -> None:
    subject = patient(clinic)
    portal = PatientPortal(clinic, patient_actor("harmonic", subject))
    assert "information" in {option.key for option in portal.rights()}
    asked = portal.ask(subject, "information", "Who sees my scan images, and for how long?")
    request = staff(clinic, "dee").get(asked.request_id)
    assert request.right is RightName.INFORMATION and not request.identity_required
    assert request.due == date(2026, 12, 24)  # received 24 Nov 2026 (the test clock): a month

    answer = "Only the sonographer and reporting radiologist; images are kept for 8 years."
    done = staff(clinic, "dee").complete(asked.request_id, answer)
    assert done.status is RequestStatus.COMPLETED and done.outcome is not None
    assert done.outcome.value == answer
    with clinic.sessions() as session:
        row = session.get(RightsRequestRow, ("harmonic", asked.request_id))
        assert row is not None and row.closed_by == "dee" and row.outcome is not None
        assert b"radiologist" not in row.outcome  # the answer is sealed under the patient's key
    letter = RightsLetters(clinic, patient_actor("harmonic", subject)).letter(
        asked.request_id, LetterKind.COMPLETION
    )
    text = letter.content.decode()
    assert "more information about how we use your information" in text and answer in text
    assert [s.name for s in done.steps] == ["received", "complete"]
    assert events(clinic)[-1].purpose == "rights_requests"

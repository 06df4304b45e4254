"""Objection and restriction: an objection to direct marketing stops it at once; one to
legitimate interests waits for the DPO's recorded balancing decision; restriction keeps the
data unused, and lifting it tells the patient first."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.services.clinic import NEW_PATIENT, actor, agree, events, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.guard.scope import scope
from hippocratic.policy.settings import RightName
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.objection import Objections, Restrictions
from hippocratic.services.records import Records
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.objection import ObjectionRow
from hippocratic.storage.subject import SubjectRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def ask(clinic: Store, subject: str, right: RightName, channel: RequestChannel) -> str:
    made = Objections(clinic, actor("harmonic", "rita")).submit(
        NewRightsRequest(subject, right, channel, "Stop it")
    )
    return made.request_id


@pytest.mark.promise("S1-37", "S0-121")
def test_an_objection_to_direct_marketing_takes_effect_at_once(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    agree(clinic, actor("harmonic", "mo"), subject, "marketing", ("email", "sms"))
    marketer = Records(clinic, actor("harmonic", "mo"))
    assert marketer.read(subject, "marketing", ["email"])["email"].value
    request_id = ask(clinic, subject, RightName.OBJECTION, RequestChannel.PHONE)
    done = Objections(clinic, actor("harmonic", "rita")).object_to(
        request_id, "marketing", evidence="said on the phone: never send me offers"
    )
    assert done.status is RequestStatus.COMPLETED
    assert done.outcome is not None and "by any channel" in (done.outcome.value or "")
    with pytest.raises(AccessDenied, match="consent"):
        marketer.read(subject, "marketing", ["email"])


@pytest.mark.promise("S1-37")
def test_an_objection_to_legitimate_interests_needs_the_dpos_balancing(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    request_id = ask(clinic, subject, RightName.OBJECTION, RequestChannel.LETTER)
    dpo = Objections(clinic, actor("harmonic", "dee"))
    with pytest.raises(Conflict, match="balancing decision"):
        dpo.object_to(request_id, "communications_monitoring", evidence="")
    with pytest.raises(Conflict, match="not open to objection"):
        dpo.object_to(request_id, "care", evidence="")
    with pytest.raises(AccessDenied):
        Objections(clinic, actor("harmonic", "rita")).balance(
            request_id, "communications_monitoring", True, "no compelling grounds shown here"
        )
    with pytest.raises(InputError, match="in full"):
        dpo.balance(request_id, "communications_monitoring", False, "we need it")
    decided = dpo.balance(
        request_id, "communications_monitoring", False,
        "monitoring is needed to investigate a complaint the patient made; it is kept to the "
        "calls about that complaint",
    )  # fmt: skip
    assert decided.status is RequestStatus.COMPLETED
    assert "compelling legitimate grounds" in (decided.outcome.value or "")  # type: ignore[union-attr]
    assert decided.steps[-1].name == "balance"


@pytest.mark.promise("S0-121", "S1-35")
def test_restriction_keeps_data_unused_and_lifting_tells_the_patient_first(
    clinic: Store,
) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    request_id = ask(clinic, subject, RightName.RESTRICTION, RequestChannel.LETTER)
    dpo = Restrictions(clinic, actor("harmonic", "dee"))
    assert dpo.restrict(request_id).status is RequestStatus.COMPLETED
    reception = Records(clinic, actor("harmonic", "rita"))
    with pytest.raises(AccessDenied, match="restrict"):
        reception.read(subject, "administration", ["email"])
    dpo.lift(subject, "the accuracy of the address was checked and confirmed")
    logged = Communications(clinic, actor("harmonic", "dee")).for_patient(
        subject, "rights_requests"
    )
    told = logged.items[0]
    assert told.direction.value == "outbound" and "Art. 18(3)" in (told.summary.value or "")
    trail = [e.reason or "" for e in events(clinic)] + [e.rule_ids for e in events(clinic)]
    assert reception.read(subject, "administration", ["email"])["email"].value
    assert any("restriction:art18/off" in str(x) for x in trail)


@pytest.mark.promise("S1-37", "S0-121")
def test_an_upheld_objection_stops_the_purpose_for_that_patient_at_the_guard(
    clinic: Store,
) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    other = book(clinic, patient={**NEW_PATIENT, "email": "bo@example.org"}).subject_id  # type: ignore[attr-defined]
    Communications(clinic, actor("harmonic", "rita")).log(
        subject, Direction.INBOUND, CommunicationChannel.EMAIL, "Asked about the report"
    )
    quinn = Communications(clinic, actor("harmonic", "quinn"))
    assert quinn.for_patient(subject, "communications_monitoring").items
    request_id = ask(clinic, subject, RightName.OBJECTION, RequestChannel.LETTER)
    Objections(clinic, actor("harmonic", "dee")).balance(
        request_id, "communications_monitoring", True,
        "no complaint or incident needs these messages reviewed; her interest prevails",
    )  # fmt: skip
    with pytest.raises(AccessDenied, match="objection was upheld") as refused:
        quinn.for_patient(subject, "communications_monitoring")
    assert "objection:art21" in refused.value.details["rules"]
    assert events(clinic)[-1].outcome == "denied"
    assert quinn.for_patient(other, "communications_monitoring").items == []  # others go on
    rita = Communications(clinic, actor("harmonic", "rita"))
    assert rita.for_patient(subject).items  # care, on another basis, is not touched
    with clinic.sessions() as session:
        row = session.get(ObjectionRow, ("harmonic", subject, "communications_monitoring"))
        assert row is not None and row.request_id == request_id and row.upheld_by == "dee"
        listed = set(
            session.scalars(
                select(SubjectRow.subject_id).where(
                    scope(
                        clinic.policy_of("harmonic"), "quinn", "quality_reviewer",
                        "communications_monitoring", clinic.clock.now(),
                    )
                )
            )
        )  # fmt: skip
    assert other in listed and subject not in listed

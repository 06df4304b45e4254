"""Rectification: a wrong detail corrected and a missing one completed, each with its history
and audit event; a disputed clinical entry kept as it is with the patient's statement beside
it; both shown in a later access package; a request past its date shows overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_appointments import book

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.records import Records
from hippocratic.services.rectification import Rectification
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def rectify(clinic: Store, subject: str, who: str = "rita") -> tuple[Rectification, str]:
    service = Rectification(clinic, actor("harmonic", who))
    made = service.submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "Fix my DOB")
    )
    return service, made.request_id


@pytest.mark.promise("S0-111", "S1-33")
def test_a_corrected_detail_keeps_its_history_and_a_completed_one_shows(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    service, request_id = rectify(clinic, subject)
    with pytest.raises(InputError):
        service.correct(request_id, "date_of_birth", "2 March 1984")  # not a date
    service.correct(request_id, "date_of_birth", "1984-02-03")
    service.correct(request_id, "postal_address", "1 Example Road, London")
    reader = Records(clinic, actor("harmonic", "dee"))
    now = reader.read(subject, "rights_requests", ["date_of_birth", "postal_address"])
    assert now["date_of_birth"].value == "1984-02-03" and now["postal_address"].value
    changes = service.corrections(subject)
    assert [
        (c.target, c.before and c.before.value, c.after and c.after.value) for c in changes
    ] == [
        ("date_of_birth", "1984-03-02", "1984-02-03"),
        ("postal_address", None, "1 Example Road, London"),
    ]
    written = [e for e in events(clinic) if e.action == "write" and "date_of_birth" in e.fields]
    assert written and written[-1].purpose == "rights_requests"
    steps = [s.log for s in service.get(request_id).steps]
    assert "Date of birth corrected (the earlier value is kept)" in steps
    assert "Postal address completed (the earlier value is kept)" in steps


@pytest.mark.promise("S0-111")
def test_a_disputed_clinical_entry_gets_a_statement_not_an_overwrite(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    entry = ClinicalEntries(clinic, actor("harmonic", "sam")).add(
        subject, "scan_report", "Patient reports smoking."
    )
    service, request_id = rectify(clinic, subject, "dee")
    with pytest.raises(InputError, match="supplementary statement"):
        service.correct(request_id, "scan_report", "Patient does not smoke.")
    service.statement(request_id, entry.entry_id, "I have never smoked.")
    kept = ClinicalEntries(clinic, actor("harmonic", "sam")).for_patient(subject).items
    assert any(e.content.value == "Patient reports smoking." for e in kept)
    access = AccessRelease(clinic, actor("harmonic", "dee"))
    asked = access.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    access.build(asked.request_id)
    package = access.package(asked.request_id)
    corrections = next(s for s in package.sections if s.key == "correction").items
    assert corrections[0].values["now"] == "I have never smoked."
    assert corrections[0].values["about"] == f"clinical_entry:{entry.entry_id}"


@pytest.mark.promise("S0-119")
def test_a_rectification_past_its_date_shows_overdue(clinic: Store, clock: FixedClock) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    service, request_id = rectify(clinic, subject)
    assert not service.get(request_id).overdue
    clock.advance(timedelta(days=31))
    late = service.get(request_id)
    assert late.overdue and late.days_left == -1
    assert [q.request.request_id for q in service.queue() if q.request.overdue] == [request_id]

"""Enquiries and complaints: an enquiry from someone new is a capture through its form; a
complaint is due for acknowledgement within 30 days (s.164A) and shows overdue after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.services.clinic import actor, events, hire, presented
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, InputError, NoticeRequired
from hippocratic.services.capture import Channel
from hippocratic.services.cases import CaseKind, Cases, CaseStatus, NewCase
from hippocratic.services.field_value import FieldState
from hippocratic.services.store import Store

ENQUIRER = {"full_name": "Cat Example", "email": "cat@example.org", "phone": "020 7946 0002"}


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.mark.promise("S0-16", "S0-06")
def test_a_web_enquiry_registers_the_enquirer_through_the_enquiry_form(clinic: Store) -> None:
    cases = Cases(clinic, actor("harmonic", "rita"))
    case = cases.open(
        NewCase(CaseKind.ENQUIRY, "Do you scan at 6 weeks?", Channel.WEB,
                presented(clinic, "harmonic", "enquiry", Channel.WEB), person=ENQUIRER)
    )  # fmt: skip
    assert case.status is CaseStatus.OPEN and case.acknowledge_by is None
    assert case.text.state is FieldState.MASKED  # reception sees enquiries' health detail masked
    created = events(clinic)[-1]
    assert (
        created.action == "create"
        and "form enquiry (web, data from data_subject)" in created.reason
    )
    with pytest.raises(NoticeRequired):
        cases.open(NewCase(CaseKind.ENQUIRY, "Hello", Channel.WEB, None, person=ENQUIRER))


@pytest.mark.promise("S0-120")
def test_a_complaint_is_due_for_acknowledgement_within_30_days(clinic: Store) -> None:
    subject = book(clinic).subject_id
    cases = Cases(clinic, actor("harmonic", "rita"))
    case = cases.open(
        NewCase(CaseKind.COMPLAINT, "My letter went to the wrong address", Channel.EMAIL,
                subject=subject)
    )  # fmt: skip
    assert case.acknowledge_by == date(2026, 12, 23) and "s.164A" in case.acknowledge_rule
    clinic.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    listed = cases.open_cases(CaseKind.COMPLAINT).items
    assert [(i.case.case_id, i.case.overdue) for i in listed] == [(case.case_id, True)]
    assert listed[0].patient["full_name"].value == "Ada Example"
    acknowledged = cases.progress(subject, case.case_id)
    assert acknowledged.status is CaseStatus.ACKNOWLEDGED and not acknowledged.overdue
    with pytest.raises(InputError, match="how the case ended"):
        cases.progress(subject, case.case_id, close=True)
    closed = cases.progress(subject, case.case_id, close=True, outcome="Apologised; address fixed")
    assert closed.outcome.value == "Apologised; address fixed"
    assert cases.open_cases(CaseKind.COMPLAINT).items == []


def test_marketing_cannot_list_complaints(clinic: Store) -> None:
    with pytest.raises(AccessDenied):
        Cases(clinic, actor("harmonic", "mo")).open_cases(CaseKind.COMPLAINT)

"""Automated decisions: recorded with their inputs, logic and outcome only for a purpose the
notice says decides automatically, and only with the consent it rests on; the patient asks for
a person to look again, and a named member of staff who works under the purpose reviews it."""

from __future__ import annotations

import pytest
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.automated_decisions import AutomatedDecisions, HumanReview
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store

INPUTS = {"credit_reference_data": "band C", "email": "ada.example@example.org"}


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.mark.promise("S1-38")
def test_a_decision_is_logged_and_a_person_reviews_it_when_asked(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    scoring = AutomatedDecisions(clinic, actor("harmonic", "mo"))
    with pytest.raises(AccessDenied, match="agreed"):
        scoring.record(subject, "product_scoring", INPUTS, "suggest: 3D scan", "service-score v3")
    with pytest.raises(InputError, match="automated means"):
        scoring.record(subject, "marketing", INPUTS, "x", "v1")
    agree(clinic, actor("harmonic", "mo"), subject, "product_scoring")
    made = scoring.record(
        subject, "product_scoring", INPUTS, "suggest: 3D scan", "service-score v3"
    )
    assert made.logic == "service-score v3" and made.outcome is not None
    assert "band C" in (made.inputs.value or "")  # type: ignore[union-attr]
    logged = events(clinic)[-2]
    assert logged.purpose == "product_scoring" and "credit_reference_data" in logged.fields

    me = HumanReview(clinic, patient_actor("harmonic", subject))
    asked = me.submit(
        NewRightsRequest(subject, RightName.AUTOMATED_DECISION_REVIEW, RequestChannel.PORTAL,
                         "I don't want a 3D scan suggested")
    )  # fmt: skip
    with pytest.raises(AccessDenied, match="purpose"):
        HumanReview(clinic, actor("harmonic", "rita")).review(
            asked.request_id, made.decision_id, "", "looked again and the suggestion stands"
        )
    done = HumanReview(clinic, actor("harmonic", "mo")).review(
        asked.request_id, made.decision_id, "they never asked for suggestions",
        "suggestion withdrawn: the patient's view outweighs a credit band",
    )  # fmt: skip
    assert done.status is RequestStatus.COMPLETED and "Marketing" in (done.outcome.value or "")  # type: ignore[union-attr]
    (reviewed,) = scoring.for_patient(subject, "product_scoring")
    assert reviewed.reviewed_by == "mo" and reviewed.patient_view is not None

    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    access = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.LETTER))
    dpo.build(access.request_id)
    section = next(
        s for s in dpo.package(access.request_id).sections if s.key == "automated_decision"
    )
    assert section.items[0].values["logic"] == "service-score v3"
    assert section.items[0].values["reviewed_by"] == "mo"

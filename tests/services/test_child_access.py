"""A parent's access request for a patient aged 12 to 17 goes to a clinician first, whose
decision on the child's competence (and agreement) decides whether the package may go."""

from __future__ import annotations

import pytest
from tests.services.clinic import NEW_PATIENT, actor, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, Conflict
from hippocratic.policy.settings import RightName
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.child_access import ChildAccess
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel, Requester
from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def parent_asks(clinic: Store, born: str) -> tuple[str, str]:
    child = {**NEW_PATIENT, "date_of_birth": born, "email": f"child{born}@example.org"}
    subject = book(clinic, patient={**child, "service_booked": "early_pregnancy_scan"})
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    made = dpo.submit(
        NewRightsRequest(subject.subject_id, RightName.ACCESS, RequestChannel.LETTER,  # type: ignore[attr-defined]
                         requester=Requester.PARENT, requester_name="Bo Example",
                         authority="birth certificate naming Bo Example as mother")
    )  # fmt: skip
    dpo.verify_identity(made.request_id, "passport and birth certificate seen")
    dpo.build(made.request_id)
    return subject.subject_id, made.request_id  # type: ignore[attr-defined]


@pytest.mark.promise("L-07")
def test_a_parents_request_for_a_15_year_old_is_routed_to_a_clinician(clinic: Store) -> None:
    _, request_id = parent_asks(clinic, "2011-06-01")  # 15 on 24 November 2026
    second = AccessRelease(clinic, actor("harmonic", "rita"))
    with pytest.raises(Conflict, match="clinician decides first"):
        second.check(request_id)
    with pytest.raises(AccessDenied, match="clinician"):
        ChildAccess(clinic, actor("harmonic", "rita")).competence(
            request_id, competent=True, child_agrees=True, reason="seems mature enough to me"
        )
    sam = ChildAccess(clinic, actor("harmonic", "sam"))
    sam.competence(
        request_id, competent=True, child_agrees=False,
        reason="understands what the record holds and does not want it shared",
    )  # fmt: skip
    with pytest.raises(Conflict, match="does not agree"):
        second.check(request_id)
    decided = sam.competence(
        request_id, competent=True, child_agrees=True,
        reason="asked again with the parent out of the room; now agrees",
    )  # fmt: skip
    assert decided.steps[-1].name == "competence"
    assert "understands" not in " ".join(s.log for s in decided.steps)  # sealed, not logged
    assert second.check(request_id).steps[-1].name == "check"


def test_a_parents_request_for_a_young_child_needs_no_competence_decision(clinic: Store) -> None:
    _, request_id = parent_asks(clinic, "2019-01-01")
    assert (
        AccessRelease(clinic, actor("harmonic", "rita")).check(request_id).steps[-1].name == "check"
    )

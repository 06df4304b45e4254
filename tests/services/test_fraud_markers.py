"""Fraud markers: recorded with their basis and evidence, standing only once a second person has
reviewed them, shown to the patient in their access package unless the DPO records the crime
exemption, challenged in the patient's words, and withdrawn when shown to be wrong."""

from __future__ import annotations

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.policy.settings import RightName
from hippocratic.services.access_history import AccessHistory
from hippocratic.services.access_package import AccessCollector
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.erasure import Erasure
from hippocratic.services.fraud_markers import FraudMarkers, MarkerSource, MarkerStatus
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.fraud_marker import FraudMarkerRow

BASIS = "Gave an insurance policy number that belongs to someone else"
EVIDENCE = "Insurer confirmed on 3 Dec 2026 (call ref INS-4471) the policy holder is another person"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def patient(clinic: Store) -> str:
    subject: str = book(clinic).subject_id  # type: ignore[attr-defined]
    return subject


def markers(clinic: Store, who: str = "bill") -> FraudMarkers:
    return FraudMarkers(clinic, actor("harmonic", who))


def package_markers(clinic: Store, subject: str) -> list[dict[str, str]]:
    """The fraud markers in the patient's access package as the DPO gathers it, and how many
    of the fraud team's accesses its access history shows."""
    dpo = AccessCollector(clinic, actor("harmonic", "dee"))
    package = dpo.collect(subject, "rights_requests", "request-1")
    found = [s for s in package.sections if s.key == "fraud_marker"]
    assert len(found) == 1
    history = next(s for s in package.sections if s.key == "access")
    fraud = [i for i in history.items if i.values["purpose"] == "Preventing and detecting fraud"]
    return [item.values for item in found[0].items] + [{"history": str(len(fraud))}]


@pytest.mark.promise("S0-53")
def test_a_marker_needs_evidence_and_a_second_person_before_it_stands(clinic: Store) -> None:
    subject = patient(clinic)
    with pytest.raises(InputError, match="what shows"):
        markers(clinic).record(subject, BASIS, "insurer said so")
    with pytest.raises(InputError, match="false or inaccurate"):
        markers(clinic).record(subject, "  ", EVIDENCE)
    with pytest.raises(AccessDenied):  # reception does no fraud work
        markers(clinic, "rita").record(subject, BASIS, EVIDENCE)

    marker = markers(clinic).record(subject, BASIS, EVIDENCE)
    assert marker.status is MarkerStatus.PROPOSED and not marker.stands
    assert marker.basis is not None and marker.basis.value == BASIS
    with clinic.sessions() as session:
        row = session.get(FraudMarkerRow, ("harmonic", marker.marker_id))
        assert row is not None and row.recorded_by == "bill"
        assert b"insurance" not in row.basis and b"Insurer" not in row.evidence  # sealed
    assert events(clinic)[-1].purpose == "fraud_prevention"
    assert "recorded" in (events(clinic)[-1].reason or "")

    with pytest.raises(AccessDenied, match="someone other than"):
        markers(clinic).review(marker.marker_id, True, "I checked my own work carefully")
    reviewed = markers(clinic, "dee").review(
        marker.marker_id, True, "Insurer's letter on file matches the call note"
    )
    assert reviewed.stands and reviewed.reviewed_by == "dee"
    with pytest.raises(Conflict, match="already reviewed"):
        markers(clinic, "dee").review(marker.marker_id, False, "second thoughts on the evidence")


@pytest.mark.promise("S0-53")
def test_an_automated_flag_is_only_a_proposal_until_a_person_confirms_it(clinic: Store) -> None:
    subject = patient(clinic)
    flag = markers(clinic, "dee").record(subject, BASIS, EVIDENCE, MarkerSource.AUTOMATED)
    assert flag.source is MarkerSource.AUTOMATED and not flag.stands
    rejected = markers(clinic).review(
        flag.marker_id, False, "Same surname, different person: a false match"
    )
    assert rejected.status is MarkerStatus.REJECTED and not rejected.stands


@pytest.mark.promise("S0-53", "S0-110")
def test_the_patient_sees_a_marker_in_their_access_package_unless_exempt(
    clinic: Store,
) -> None:
    subject = patient(clinic)
    marker = markers(clinic).record(subject, BASIS, EVIDENCE)
    shown = package_markers(clinic, subject)
    assert shown[0]["basis"] == BASIS and shown[0]["evidence"] == EVIDENCE
    assert shown[0]["status"] == "proposed" and shown[-1]["history"] != "0"

    with pytest.raises(AccessDenied, match="only the Data Protection"):
        markers(clinic).exempt(marker.marker_id, "telling them would alert the suspect")
    with pytest.raises(InputError, match="prejudice"):
        markers(clinic, "dee").exempt(marker.marker_id, "police")
    markers(clinic, "dee").exempt(
        marker.marker_id,
        "Police investigation ref OP-2291 open: disclosure would alert the suspect",
    )
    withheld = package_markers(clinic, subject)
    assert withheld == [{"history": "0"}]  # neither the marker nor the fraud team's accesses
    me = FraudMarkers(clinic, patient_actor("harmonic", subject))
    assert me.disclosable(subject, "rights_requests") == []
    with pytest.raises(NotFound):
        me.challenge(marker.marker_id, "I never gave a false policy number")
    mine = AccessHistory(clinic, patient_actor("harmonic", subject)).for_patient(
        subject, "rights_requests"
    )
    assert all("fraud" not in entry.why.lower() for entry in mine.entries)
    staff_view = markers(clinic, "dee").get(marker.marker_id)
    assert staff_view.exempt and staff_view.exemption is not None
    assert "OP-2291" in (staff_view.exemption.value or "")

    markers(clinic, "dee").lift_exemption(marker.marker_id)
    assert package_markers(clinic, subject)[0]["basis"] == BASIS


@pytest.mark.promise("S0-53", "S0-111")
def test_a_patient_challenges_a_marker_and_a_wrong_one_is_withdrawn(clinic: Store) -> None:
    subject = patient(clinic)
    marker = markers(clinic).record(subject, BASIS, EVIDENCE)
    me = FraudMarkers(clinic, patient_actor("harmonic", subject))
    with pytest.raises(AccessDenied, match="challenge"):
        me.withdraw(marker.marker_id, "I say it is wrong so withdraw it now")
    challenged = me.challenge(marker.marker_id, "That policy is my husband's; I am a named driver.")
    assert challenged.statement is not None and "named driver" in (challenged.statement.value or "")
    assert events(clinic)[-1].purpose == "rights_requests"
    withdrawn = markers(clinic, "dee").withdraw(
        marker.marker_id, "Insurer confirms she is a named person on the policy"
    )
    assert withdrawn.status is MarkerStatus.WITHDRAWN and not withdrawn.stands
    shown = package_markers(clinic, subject)[0]
    assert shown["status"] == "withdrawn" and "named driver" in shown["statement"]
    assert "named person" in shown["withdrawn_reason"]
    with pytest.raises(Conflict):
        markers(clinic, "dee").withdraw(marker.marker_id, "Insurer confirms it again today")


def test_an_organisation_whose_notice_says_nothing_of_fraud_keeps_no_markers(
    clinic: Store,
) -> None:
    with pytest.raises(NotFound, match="does not keep fraud marker records"):
        FraudMarkers(clinic, actor("harmony", "dora")).record("anyone", BASIS, EVIDENCE)


@pytest.mark.promise("S0-53")
def test_erasure_keeps_a_fraud_marker_under_its_legal_rule(clinic: Store) -> None:
    subject = patient(clinic)
    markers(clinic).record(subject, BASIS, EVIDENCE)
    dpo = Erasure(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER))
    plan = dpo.plan(request.request_id)
    kept = {item.category: item for item in plan.kept}
    assert "fraud_markers" in kept and "fraud_marker" in kept["fraud_markers"].kinds
    assert "Limitation Act 1980" in kept["fraud_markers"].reason

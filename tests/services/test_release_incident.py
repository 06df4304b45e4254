"""A release that goes wrong opens an incident with its 72-hour clock already running: staff
report that a released access package went to the wrong person or held too much; the incident
is aware from that moment, linked to the release, and its affected patient and disclosed
categories come from the package itself, never typed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_access_release import history_of_a_patient

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.incident import IncidentSource, IncidentStatus
from hippocratic.services.release_incident import ReleaseFault, ReleaseIncidents
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel, RightsRequests
from hippocratic.services.store import Store
from hippocratic.storage.incident import IncidentRow
from hippocratic.storage.incident_release import IncidentReleaseRow

WENT_ASTRAY = "The letter with the package was posted to the patient's former address in Leeds"
TOO_MUCH = "The package held scan reports from before the dates the patient asked for"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def released(clinic: Store) -> tuple[str, str]:
    """A patient's access package built, checked by a second person and released; returns
    the subject and the request."""
    subject, flagged = history_of_a_patient(clinic)
    request = AccessRelease(clinic, patient_actor("harmonic", subject)).submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.PORTAL)
    )
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    dpo.build(request.request_id)
    dpo.withhold(request.request_id, f"clinical_entry:{flagged}", "kept", "names nobody else")
    AccessRelease(clinic, actor("harmonic", "rita")).check(request.request_id)
    dpo.release(request.request_id)
    return subject, request.request_id


@pytest.mark.promise("S1-26", "S0-122")
def test_a_wrong_release_opens_an_incident_aware_when_reported_with_its_patient_and_categories(
    clinic: Store,
) -> None:
    subject, request_id = released(clinic)
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=2))
    told = clock.now()
    made = ReleaseIncidents(clinic, actor("harmonic", "rita")).report_release(
        request_id, ReleaseFault.WRONG_RECIPIENT, WENT_ASTRAY
    )
    assert made.source is IncidentSource.RELEASE and made.status is IncidentStatus.OPEN
    assert made.aware_at == told and made.clock.deadline == told + timedelta(hours=72)
    assert made.clock.needed and made.clock.minutes_left == 72 * 60
    assert "went to the wrong person" in made.description and WENT_ASTRAY in made.description
    link = made.release
    assert link is not None and link.subject_id == subject and link.request_id == request_id
    assert link.fault == "wrong_recipient" and link.recipient == "subject"
    assert {"identity", "contact", "medical_history", "payment"} <= set(link.categories)
    assert link.records["clinical_entry"] >= 2 and link.records["payment"] == 1

    dpo = ReleaseIncidents(clinic, actor("harmonic", "dee"))
    affected = dpo.affected(made.incident_id)
    assert [p.subject_id for p in affected.patients] == [subject]
    assert affected.patients[0].categories == link.categories
    assert dpo.register()[0].release == link

    with clinic.sessions() as session:
        row = session.get(IncidentRow, ("harmonic", made.incident_id))
        linked = session.get(IncidentReleaseRow, ("harmonic", made.incident_id))
    assert row is not None and row.aware_at == told and row.source == "release"
    assert linked is not None and linked.subject_id == subject
    assert linked.request_id == request_id and "Ada" not in linked.categories

    mine = [e for e in events(clinic) if e.reason and made.incident_id in e.reason]
    assert any("reported (release)" in (e.reason or "") for e in mine)
    read = [e for e in mine if e.subject_id == subject and "disclosed" in (e.reason or "")]
    assert len(read) == 1 and read[0].actor == "rita" and read[0].purpose == "incident_response"
    steps = RightsRequests(clinic, actor("harmonic", "dee")).get(request_id).steps
    assert steps[-1].name == "incident" and made.incident_id in steps[-1].log


@pytest.mark.promise("S0-122")
def test_the_dpo_assesses_a_release_that_held_too_much_and_writes_to_its_patient(
    clinic: Store,
) -> None:
    subject, request_id = released(clinic)
    dpo = ReleaseIncidents(clinic, actor("harmonic", "dee"))
    made = dpo.report_release(request_id, ReleaseFault.TOO_MUCH, TOO_MUCH)
    assert "held more than it should have" in made.description
    dpo.decide(
        made.incident_id,
        BreachFinding.CONFIRMED,
        RiskLevel.RISK,
        "Only the patient received the extra reports, but the scope was wrong and is recorded",
        notify_subjects=True,
    )
    letters = dpo.draft_letters(
        made.incident_id,
        "We sent you scan reports from outside the dates you asked for",
        "Nobody else saw them; we are telling you because we promised to",
        "We checked every package we sent this month and retrained the staff who checked it",
    )
    assert letters.subjects == [subject]
    assert "Contact" in dpo.letter(made.incident_id, subject)


def test_only_a_released_package_can_go_wrong_and_only_once(clinic: Store) -> None:
    subject, _ = history_of_a_patient(clinic)
    pending = AccessRelease(clinic, patient_actor("harmonic", subject)).submit(
        NewRightsRequest(subject, RightName.ACCESS, RequestChannel.PORTAL)
    )
    rita = ReleaseIncidents(clinic, actor("harmonic", "rita"))
    with pytest.raises(Conflict, match="not released"):
        rita.report_release(pending.request_id, ReleaseFault.TOO_MUCH, TOO_MUCH)
    with pytest.raises(InputError, match="at least 30"):
        rita.report_release(pending.request_id, ReleaseFault.TOO_MUCH, "wrong")
    with pytest.raises(AccessDenied, match="staff"):
        ReleaseIncidents(clinic, patient_actor("harmonic", subject)).report_release(
            pending.request_id, ReleaseFault.TOO_MUCH, TOO_MUCH
        )
    with clinic.sessions() as session:
        assert session.query(IncidentRow).count() == 0


def test_a_second_report_of_the_same_release_points_to_the_open_incident(clinic: Store) -> None:
    _, request_id = released(clinic)
    rita = ReleaseIncidents(clinic, actor("harmonic", "rita"))
    first = rita.report_release(request_id, ReleaseFault.WRONG_RECIPIENT, WENT_ASTRAY)
    with pytest.raises(Conflict, match=first.incident_id):
        rita.report_release(request_id, ReleaseFault.TOO_MUCH, TOO_MUCH)
    with clinic.sessions() as session:
        assert session.query(IncidentRow).count() == 1

"""A parent for a child, or an authorised third party with evidence, acts in the portal only as
far as the recorded authority allows (L-07): staff record who, for which patient, which
requests and whether they may see the record, the evidence and the last day; the representative
signs in with a one-time code and the patient's date of birth, starts only the requests it
covers, sees only what it covers, until it ends; every step is on the patient's ledger."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from tests.services.clinic import NEW_PATIENT, actor, events, hire
from tests.services.test_appointments import book

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, AuthenticationFailed, Conflict, InputError
from hippocratic.services import representative_session, representative_sign_in
from hippocratic.services.access_formats import PackageFormat
from hippocratic.services.access_history import AccessHistory
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.child_access import ChildAccess
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.records import Records
from hippocratic.services.representative_portal import RepresentativePortal
from hippocratic.services.representative_session import RepresentativeSession
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_clock import Requester
from hippocratic.services.store import Store
from hippocratic.storage.representative import RepresentativeAuthorityRow
from hippocratic.storage.rights_request import RightsRequestRow

CHILD_BORN = "2011-06-01"
"""15 in November 2026: a parent's access request goes to a clinician first."""
PARENT = "bo.example@example.org"
EVIDENCE = "Birth certificate naming Bo Example as mother, seen at reception"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def child(clinic: Store) -> str:
    person = {**NEW_PATIENT, "date_of_birth": CHILD_BORN, "email": "kit.example@example.org"}
    subject: str = book(clinic, patient=person).subject_id  # type: ignore[attr-defined]
    return subject


def authorise(clinic: Store, subject: str, *covers: str, days: int = 90) -> str:
    made = Representatives(clinic, actor("harmonic", "rita")).record(
        subject, Requester.PARENT, "Bo Example", PARENT, covers, EVIDENCE,
        clinic.clock.now().date() + timedelta(days=days),
    )  # fmt: skip
    return made.authority_id


def signed_in(clinic: Store, born: str = CHILD_BORN) -> RepresentativeSession:
    asked = representative_sign_in.request_code(clinic, "harmonic", PARENT, born)
    assert asked.message is not None and asked.message.to == PARENT
    code = re.search(r"\b(\d{6})\b", asked.message.body)
    assert code is not None
    cookie = representative_sign_in.verify_code(clinic, asked.cookie, code.group(1))
    found = representative_session.authenticate(clinic, cookie)
    assert found is not None
    return found


@pytest.mark.promise("L-07")
def test_a_parent_starts_only_the_requests_the_authority_covers(clinic: Store) -> None:
    subject = child(clinic)
    authority = authorise(clinic, subject, "access")
    with clinic.sessions() as session:
        row = session.get(RepresentativeAuthorityRow, ("harmonic", authority))
    assert row is not None and row.recorded_by == "rita" and b"Bo Example" not in row.name
    assert PARENT.encode() not in row.contact and b"Birth" not in row.evidence
    recorded = [e for e in events(clinic) if e.reason and f"authority {authority}" in e.reason]
    assert recorded[0].actor == "rita" and recorded[0].subject_id == subject

    bo = signed_in(clinic)
    assert bo.subject == subject and bo.actor.actor == f"representative:{authority}"
    portal = RepresentativePortal(clinic, bo)
    home = portal.home()
    assert home.record is None and [r.key for r in home.rights] == ["access"]
    made = portal.ask("access", "everything you hold about Kit")
    assert made.right == "access" and made.is_open
    with clinic.sessions() as session:
        stored = session.get(RightsRequestRow, ("harmonic", made.request_id))
    assert stored is not None and stored.requester == "parent" and stored.channel == "portal"
    assert stored.recorded_by == bo.actor.actor and stored.recipient == "requester"
    assert [r.request_id for r in portal.home().requests] == [made.request_id]

    with pytest.raises(AccessDenied, match="does not cover asking for erasure"):
        portal.ask("erasure", "delete everything")
    refused = events(clinic)[-1]
    assert refused.outcome == "denied" and refused.actor == bo.actor.actor
    assert refused.subject_id == subject and "not_covered:erasure" in refused.rule_ids
    with pytest.raises(AccessDenied, match="not seeing the record"):
        Records(clinic, bo.actor).read(subject, "rights_requests", ["full_name"])
    assert events(clinic)[-1].outcome == "denied"


@pytest.mark.promise("L-07")
def test_a_parents_access_for_a_15_year_old_waits_for_the_clinician_then_downloads(
    clinic: Store,
) -> None:
    subject = child(clinic)
    authorise(clinic, subject, "access", "record")
    bo = signed_in(clinic)
    portal = RepresentativePortal(clinic, bo)
    home = portal.home()
    assert home.record is not None and home.record.name == "Ada Example"
    made = portal.ask("access", "Kit's scan reports")
    dpo = AccessRelease(clinic, actor("harmonic", "dee"))
    dpo.build(made.request_id)
    with pytest.raises(Conflict, match="clinician decides first"):
        AccessRelease(clinic, actor("harmonic", "rita")).check(made.request_id)
    ChildAccess(clinic, actor("harmonic", "sam")).competence(
        made.request_id, competent=True, child_agrees=True,
        reason="understands what the record holds and agrees to their mother seeing it",
    )  # fmt: skip
    AccessRelease(clinic, actor("harmonic", "rita")).check(made.request_id)
    with pytest.raises(Conflict, match="not ready"):
        portal.download(made.request_id, PackageFormat.JSON)
    dpo.release(made.request_id)
    package = portal.download(made.request_id, PackageFormat.JSON).content.decode()
    assert "Ada Example" in package
    history = portal.home().record
    assert history is not None
    assert any(e.actor == bo.actor.actor and e.subject_id == subject for e in events(clinic))
    mine = AccessHistory(clinic, patient_actor("harmonic", subject)).for_patient(
        subject, "rights_requests"
    )
    assert any(e.who.startswith("Someone acting for you") for e in mine.entries)


@pytest.mark.promise("L-07")
def test_an_authority_that_ended_signs_nobody_in_and_stops_a_session_under_way(
    clinic: Store,
) -> None:
    subject = child(clinic)
    authorise(clinic, subject, "access", "record", days=1)
    bo = signed_in(clinic)
    portal = RepresentativePortal(clinic, bo)
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=2))
    with pytest.raises(AccessDenied, match="ended"):
        portal.ask("access", "again")
    with pytest.raises(AccessDenied, match="ended on"):
        Records(clinic, bo.actor).read(subject, "rights_requests", ["full_name"])
    assert "/expired" in events(clinic)[-1].rule_ids
    asked = representative_sign_in.request_code(clinic, "harmonic", PARENT, CHILD_BORN)
    assert asked.message is None
    assert events(clinic)[-1].reason == "no live authority has this address"


def test_a_revoked_authority_ends_the_session_and_a_wrong_birth_date_gets_no_code(
    clinic: Store,
) -> None:
    subject = child(clinic)
    authority = authorise(clinic, subject, "access")
    wrong = representative_sign_in.request_code(clinic, "harmonic", PARENT, "2011-06-02")
    assert wrong.message is None
    with pytest.raises(AuthenticationFailed):
        representative_sign_in.verify_code(clinic, wrong.cookie, "123456")
    asked = representative_sign_in.request_code(clinic, "harmonic", PARENT, CHILD_BORN)
    assert asked.message is not None
    code = re.search(r"\b(\d{6})\b", asked.message.body)
    assert code is not None
    cookie = representative_sign_in.verify_code(clinic, asked.cookie, code.group(1))
    bo = representative_session.authenticate(clinic, cookie)
    assert bo is not None
    with pytest.raises(AccessDenied, match="recorded by staff"):
        Representatives(clinic, bo.actor).record(
            subject, Requester.PARENT, "Bo", PARENT, ["erasure"], EVIDENCE, date(2027, 1, 1)
        )
    Representatives(clinic, actor("harmonic", "rita")).revoke(authority)
    assert representative_session.authenticate(clinic, cookie) is None
    with pytest.raises(AccessDenied, match="revoked"):
        Records(clinic, bo.actor).read(subject, "rights_requests", ["full_name"])


def test_an_authority_must_say_what_it_covers_and_until_when(clinic: Store) -> None:
    subject = child(clinic)
    rita = Representatives(clinic, actor("harmonic", "rita"))
    today = clinic.clock.now().date()
    with pytest.raises(InputError) as nothing:
        rita.record(subject, Requester.PARENT, "Bo", PARENT, [], EVIDENCE, today)
    assert nothing.value.field == "covers"
    with pytest.raises(InputError) as past:
        rita.record(subject, Requester.PARENT, "Bo", PARENT, ["access"], EVIDENCE,
                    today - timedelta(days=1))  # fmt: skip
    assert past.value.field == "valid_until"
    with pytest.raises(InputError) as unseen:
        rita.record(subject, Requester.REPRESENTATIVE, "Bo", PARENT, ["access"], " ", today)
    assert unseen.value.field == "evidence"


@pytest.mark.promise("L-07")
def test_a_parents_authority_ends_before_the_child_turns_18(clinic: Store) -> None:
    subject = child(clinic)
    rita = Representatives(clinic, actor("harmonic", "rita"))
    with pytest.raises(InputError, match="until they are 18") as late:
        rita.record(subject, Requester.PARENT, "Bo", PARENT, ["access"], EVIDENCE,
                    date(2029, 6, 1))  # fmt: skip
    assert late.value.field == "valid_until"
    made = rita.record(subject, Requester.PARENT, "Bo", PARENT, ["access"], EVIDENCE,
                       date(2029, 5, 31))  # fmt: skip
    assert made.valid_until == date(2029, 5, 31)

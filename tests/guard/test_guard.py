"""The guard in the store: every decision audited in the same transaction, denials change
nothing, consent and restriction and care relationships enforced, break-glass reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.guard.clinic import PATIENT, records
from tests.services.clinic import agree

from hippocratic.domain.consent import ConsentKind
from hippocratic.errors import AccessDenied, InputError, NotFound
from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.guard import Guard
from hippocratic.services.actor import Actor
from hippocratic.services.store import Store
from hippocratic.storage.care import BreakGlassRow, ReviewItemRow
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.subject import SubjectRow

ROLES = ["reception", "clinician", "locum", "marketing", "dpo", "stranger"]
PURPOSES = ["care", "payment", "marketing", "legal_claims", "unknown"]
FIELDS = ["full_name", "nhs_number", "email", "phone", "medical_history", "card_number",
          "scan_purchased", "shoe_size"]  # fmt: skip
VALUES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


def audit(store: Store, organisation: str = "testwell") -> list[AuditEventRow]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.organisation_id == organisation)
                .order_by(AuditEventRow.seq)
            )
        )


def data_snapshot(store: Store) -> list[tuple[object, ...]]:
    with store.sessions() as session:
        fields = session.execute(
            select(
                SubjectFieldRow.organisation_id,
                SubjectFieldRow.subject_id,
                SubjectFieldRow.field,
                SubjectFieldRow.ciphertext,
                SubjectFieldRow.value,
            ).order_by(SubjectFieldRow.subject_id, SubjectFieldRow.field)
        )
        subjects = session.execute(
            select(SubjectRow.subject_id, SubjectRow.restricted).order_by(SubjectRow.subject_id)
        )
        return [*map(tuple, fields), *map(tuple, subjects)]


@pytest.mark.promise("S0-33", "S0-81")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    role=st.sampled_from(ROLES),
    purpose=st.sampled_from(PURPOSES),
    values=st.dictionaries(st.sampled_from(FIELDS), VALUES, min_size=1, max_size=3),
)
def test_a_denied_write_leaves_the_data_untouched_and_is_still_audited(
    clinic: Store, role: str, purpose: str, values: dict[str, str]
) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    before, events = data_snapshot(clinic), len(audit(clinic))
    writer = records(clinic, "mallory", role)
    try:
        writer.update(subject, purpose, values)
    except InputError:  # e.g. a phone number that is not one: refused before any decision
        assert (data_snapshot(clinic), len(audit(clinic))) == (before, events)
    except AccessDenied:
        assert data_snapshot(clinic) == before
        last = audit(clinic)[-1]
        assert (last.actor, last.role, last.purpose, last.subject_id, last.outcome) == (
            "mallory",
            role,
            purpose,
            subject,
            "denied",
        )
        assert last.reason
        assert len(audit(clinic)) == events + 1
    else:
        assert audit(clinic)[-1].outcome == "allowed"
        assert len(audit(clinic)) == events + 1


@pytest.mark.promise("S0-81")
def test_every_read_is_audited_with_fields_categories_and_rules(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    values = records(clinic, "alice", "reception").read(
        subject, "care", ["full_name", "medical_history"], request_id="req-1"
    )
    assert values["medical_history"].value == "[redacted]"
    event = audit(clinic)[-1]
    assert (event.action, event.outcome, event.request_id) == ("read", "allowed", "req-1")
    assert "medical_history" in event.fields and "clinical" in event.categories
    assert "role:reception/mask:medical_history" in event.rule_ids


def test_the_event_commits_in_the_same_transaction_as_the_data(clinic: Store, clock) -> None:
    """An event appended in a transaction that rolls back vanishes with the data it guarded."""
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    events = len(audit(clinic))
    with clinic.sessions() as session:
        guard = Guard(session, clinic.policy(session, "testwell"), clock.now)
        guard.decide("alice", "reception", "care", subject, ["full_name"], Action.READ)
        session.rollback()
    assert len(audit(clinic)) == events


MO = Actor("testwell", "mo", "marketing")


@pytest.mark.promise("S0-07", "S0-25")
def test_a_consent_purpose_needs_live_consent(clinic: Store, clock) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    marketing = records(clinic, "mo", "marketing")
    with pytest.raises(AccessDenied, match="consent"):
        marketing.read(subject, "marketing", ["email"])
    assert (audit(clinic)[-1].outcome, "consent:marketing" in audit(clinic)[-1].rule_ids) == (
        "denied",
        True,
    )
    agree(clinic, MO, subject, "marketing")  # the policy lets it lapse after 30 days
    assert marketing.read(subject, "marketing", ["email"])["email"].value == PATIENT["email"]
    clock.advance(timedelta(days=31))
    with pytest.raises(AccessDenied, match="consent"):
        marketing.read(subject, "marketing", ["email"])
    agree(clinic, MO, subject, "marketing")
    agree(clinic, MO, subject, "marketing", kind=ConsentKind.WITHDRAWN)
    with pytest.raises(AccessDenied, match="consent"):
        marketing.read(subject, "marketing", ["email"])
    assert [e.rule_ids for e in audit(clinic) if e.action == "write"][-1] == (
        '["consent:marketing/withdrawn","consent:withdraw/any-staff"]'
    )


@pytest.mark.promise("S0-45")
def test_marketing_never_sees_health_revealing_data_even_with_consent(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    marketing = records(clinic, "mo", "marketing")
    agree(clinic, MO, subject, "marketing")
    with pytest.raises(AccessDenied, match="does not use What was bought") as denied:
        marketing.read(subject, "marketing", ["email", "scan_purchased"])
    assert "purpose:marketing/category:purchase" in denied.value.details["rules"]


@pytest.mark.promise("S0-121", "S1-35")
def test_a_restricted_patient_is_only_stored(clinic: Store, clock) -> None:
    reception = records(clinic, "alice", "reception")
    subject = reception.register("care", PATIENT)
    records(clinic, "dee", "dpo").set_restricted(subject, True)
    with pytest.raises(AccessDenied, match="restrict the use"):
        reception.read(subject, "care", ["full_name"])
    with pytest.raises(AccessDenied, match="restrict the use"):
        reception.update(subject, "care", {"email": "new@example.org"})
    assert records(clinic, "dee", "dpo").read(subject, "legal_claims", ["full_name"])
    with clinic.sessions.begin() as session:
        guard = Guard(session, clinic.policy(session, "testwell"), clock.now)
        stored = guard.decide("alice", "reception", "care", subject, ["email"], Action.STORE)
    assert stored.allowed
    records(clinic, "dee", "dpo").set_restricted(subject, False)
    assert reception.read(subject, "care", ["full_name"])["full_name"].value == "Ada Example"


@pytest.mark.promise("S0-28", "S1-23")
def test_break_glass_needs_a_reason_expires_and_creates_a_review_item(clinic: Store, clock) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    clinician = records(clinic, "sam", "clinician")
    with pytest.raises(AccessDenied, match="not caring for this patient"):
        clinician.read(subject, "care", ["medical_history"])
    with pytest.raises(InputError, match="reason"):
        clinician.break_glass(subject, "   ")
    with pytest.raises(InputError, match="12 hours"):
        clinician.break_glass(subject, "collapsed", timedelta(days=2))
    clinician.break_glass(subject, "Patient collapsed in clinic", timedelta(hours=1))
    assert clinician.read(subject, "care", ["medical_history"])["medical_history"].value == "Asthma"
    assert "care:break_glass" in audit(clinic)[-1].rule_ids
    with clinic.sessions() as session:
        reviews = list(session.scalars(select(ReviewItemRow)))
    assert [(r.kind, r.actor, r.subject_id, r.detail, r.resolved_at) for r in reviews] == [
        ("break_glass", "sam", subject, "Patient collapsed in clinic", None)
    ]
    clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(AccessDenied, match="not caring for this patient"):
        clinician.read(subject, "care", ["medical_history"])


@pytest.mark.promise("S0-28")
def test_break_glass_is_refused_to_roles_without_it_and_the_refusal_is_audited(
    clinic: Store,
) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    for role in ("reception", "locum"):
        with pytest.raises(AccessDenied, match="may not use break-glass"):
            records(clinic, "lou", role).break_glass(subject, "curious")
        last = audit(clinic)[-1]
        assert (last.actor, last.purpose, last.outcome) == ("lou", "break_glass", "denied")
    with clinic.sessions() as session:
        assert session.scalars(select(BreakGlassRow)).all() == []
        assert session.scalars(select(ReviewItemRow)).all() == []


@pytest.mark.promise("S1-23")
def test_a_care_relationship_opens_the_record_until_it_ends(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    reception, clinician = (
        records(clinic, "alice", "reception"),
        records(clinic, "sam", "clinician"),
    )
    reception.start_care(subject, "sam")
    values = clinician.read(subject, "care", ["medical_history", "phone"])
    assert values["medical_history"].value == "Asthma"
    assert values["phone"].value == "[redacted]"  # the role's masked_fields
    reception.end_care(subject, "sam")
    with pytest.raises(AccessDenied):
        clinician.read(subject, "care", ["medical_history"])
    assert [e.rule_ids for e in audit(clinic) if e.action == "write"][-2:] == [
        '["care:start"]',
        '["care:end"]',
    ]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    role=st.sampled_from(["reception", "clinician", "marketing", "dpo"]),
    purpose=st.sampled_from(["care", "payment", "marketing", "legal_claims"]),
    pick=st.sampled_from(["subject", "organisation"]),
)
def test_one_organisations_actors_never_read_anothers_patients(
    clinic: Store, role: str, purpose: str, pick: str
) -> None:
    theirs = records(clinic, "olga", "reception", "otherwell").register("care", PATIENT)
    records(clinic, "olga", "reception", "otherwell").start_care(theirs, "sam")
    intruder = records(clinic, "sam", role)
    if pick == "organisation":
        # claiming the other organisation with a guard of one's own is refused outright
        with clinic.sessions.begin() as session:
            guard = Guard(session, clinic.policy(session, "testwell"), clinic.clock.now)
            decision = guard.check(
                AccessRequest(
                    "otherwell", "sam", role, purpose, theirs, ("full_name",), Action.READ
                )
            )
        assert not decision.allowed
        assert decision.rule_ids == ("organisation:mismatch",)
        return
    with pytest.raises((AccessDenied, NotFound)):
        intruder.read(theirs, purpose, ["full_name", "email"])
    with pytest.raises((AccessDenied, NotFound)):
        intruder.update(theirs, purpose, {"email": "x@example.org"})
    with pytest.raises((AccessDenied, NotFound)):
        intruder.break_glass(theirs, "emergency")
    with pytest.raises((AccessDenied, NotFound)):
        agree(clinic, intruder.actor, theirs, "marketing")
    try:
        found = intruder.find(purpose, "nhs_number", PATIENT["nhs_number"])
    except AccessDenied:
        found = []
    assert theirs not in found
    assert audit(clinic, "otherwell")[-1].actor == "olga"  # nothing of sam's in their ledger

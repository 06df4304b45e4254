"""The guard in the store: every decision audited, denials change nothing, break-glass reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hippocratic.errors import AccessDenied, InputError
from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.guard import Guard, scope
from hippocratic.services.records import Actor, Records
from hippocratic.storage.access import ReviewItemRow
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.subject import SubjectFieldRow, SubjectRow


def actor(store, name: str, role: str, organisation: str = "harmonic") -> Records:
    return Records(store, Actor(organisation, name, role))


def audit_rows(store) -> list[AuditEventRow]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq)))


def field_rows(store) -> list[tuple[str, str, bytes | None, str | None]]:
    with store.sessions() as session:
        return [
            (r.subject_id, r.field, r.ciphertext, r.value)
            for r in session.scalars(select(SubjectFieldRow))
        ]


@pytest.mark.promise("S0-33", "S0-81", "S0-54")
@pytest.mark.parametrize(
    ("role", "purpose", "values"),
    [
        ("reception", "care", {"card_number": "4111111111111111"}),
        ("marketing", "marketing", {"email": "x@example.org"}),
        ("billing", "care", {"full_name": "Mallory"}),
        ("reception", "marketing", {"email": "x@example.org"}),
    ],
)
def test_a_denied_write_changes_nothing_and_is_audited(
    store, role: str, purpose: str, values: dict[str, str]
) -> None:
    subject = actor(store, "alice", "reception").register("care", {"full_name": "Ada Example"})
    before = field_rows(store)
    with pytest.raises(AccessDenied):
        actor(store, "mallory", role).update(subject, purpose, values)
    assert field_rows(store) == before
    last = audit_rows(store)[-1]
    assert (last.actor, last.outcome, last.subject_id, last.purpose) == (
        "mallory",
        "denied",
        subject,
        purpose,
    )
    assert last.reason


@pytest.mark.promise("S0-81", "S0-07")
def test_every_read_is_audited_with_fields_and_rules(store) -> None:
    subject = actor(store, "alice", "reception").register(
        "care", {"full_name": "Ada Example", "medical_history": "Asthma"}
    )
    actor(store, "alice", "reception").read(subject, "care", ["full_name", "medical_history"])
    event = audit_rows(store)[-1]
    assert (event.action, event.outcome) == ("read", "allowed")
    assert "medical_history" in event.fields
    assert "role:reception/mask:medical_history" in event.rule_ids


@pytest.mark.promise("S0-07", "L-10", "L-02")
def test_a_consent_purpose_without_consent_is_denied_and_audited(store) -> None:
    subject = actor(store, "alice", "reception").register(
        "care", {"full_name": "Ada", "email": "ada@example.org"}
    )
    marketing = actor(store, "mo", "marketing")
    with pytest.raises(AccessDenied, match="consent"):
        marketing.read(subject, "marketing", ["email"])
    assert audit_rows(store)[-1].outcome == "denied"
    marketing.record_consent(subject, "marketing", True)
    assert marketing.read(subject, "marketing", ["email"])["email"].value == "ada@example.org"
    marketing.record_consent(subject, "marketing", False)
    with pytest.raises(AccessDenied):
        marketing.read(subject, "marketing", ["email"])


@pytest.mark.promise("S0-121")
def test_a_restricted_patient_can_only_be_stored(store, clock) -> None:
    records = actor(store, "alice", "reception")
    subject = records.register("care", {"full_name": "Ada Example"})
    records.set_restricted(subject, True)
    with pytest.raises(AccessDenied, match="restricted"):
        records.read(subject, "care", ["full_name"])
    with store.sessions.begin() as session:
        guard = Guard(session, store.policy(session, "harmonic"), clock.now)
        stored = guard.check(
            AccessRequest(
                "harmonic", "alice", "reception", "care", subject, ("full_name",), Action.STORE
            )
        )
    assert stored.allowed


@pytest.mark.promise("S0-28", "S0-80")
def test_break_glass_needs_a_reason_expires_and_is_reviewed(store, clock) -> None:
    subject = actor(store, "alice", "reception").register(
        "care", {"full_name": "Ada", "medical_history": "Asthma"}
    )
    sonographer = actor(store, "sam", "sonographer")
    with pytest.raises(AccessDenied, match="care relationship"):
        sonographer.read(subject, "care", ["medical_history"])
    with pytest.raises(InputError, match="reason"):
        sonographer.break_glass(subject, "   ")
    sonographer.break_glass(subject, "Patient collapsed in clinic; history needed now")
    assert (
        sonographer.read(subject, "care", ["medical_history"])["medical_history"].value == "Asthma"
    )
    with store.sessions() as session:
        reviews = list(session.scalars(select(ReviewItemRow)))
    assert [(r.kind, r.actor, r.subject_id) for r in reviews] == [("break_glass", "sam", subject)]
    clock.advance(timedelta(hours=2))
    with pytest.raises(AccessDenied):
        sonographer.read(subject, "care", ["medical_history"])
    with pytest.raises(AccessDenied):
        actor(store, "alice", "reception").break_glass(subject, "curious")


@pytest.mark.promise("S1-23", "S0-80")
def test_worklists_are_scoped_inside_the_database(store, clock) -> None:
    reception = actor(store, "alice", "reception")
    mine = reception.register("care", {"full_name": "Mine"})
    reception.register("care", {"full_name": "Not mine"})
    reception.start_care(mine, "sam")
    with store.sessions() as session:
        policy = store.policy(session, "harmonic")
        visible = list(
            session.scalars(
                select(SubjectRow.subject_id).where(
                    scope(policy, "sam", "sonographer", "care", clock.now())
                )
            )
        )
        everyone = list(
            session.scalars(
                select(SubjectRow.subject_id).where(
                    scope(policy, "alice", "reception", "care", clock.now())
                )
            )
        )
        nobody = list(
            session.scalars(
                select(SubjectRow.subject_id).where(
                    scope(policy, "mo", "marketing", "care", clock.now())
                )
            )
        )
    assert visible == [mine]
    assert len(everyone) == 2
    assert nobody == []


def test_search_only_finds_what_the_actor_may_see(store) -> None:
    reception = actor(store, "alice", "reception")
    subject = reception.register("care", {"full_name": "Ada", "nhs_number": "943 476 5919"})
    assert actor(store, "sam", "sonographer").find("care", "nhs_number", "9434765919") == []
    reception.start_care(subject, "sam")
    assert actor(store, "sam", "sonographer").find("care", "nhs_number", "9434765919") == [subject]


@pytest.mark.promise("S0-118", "S0-119", "S1-33")
def test_rectification_is_applied_and_audited(store) -> None:
    subject = actor(store, "alice", "reception").register(
        "care", {"full_name": "Ada Exampel", "email": "ada@example.org"}
    )
    dpo = actor(store, "dee", "dpo")
    dpo.update(subject, "rights_requests", {"full_name": "Ada Example"})
    assert dpo.read(subject, "rights_requests", ["full_name"])["full_name"].value == "Ada Example"
    writes = [e for e in audit_rows(store) if e.action == "write"]
    assert [(e.actor, e.purpose, e.outcome) for e in writes] == [
        ("dee", "rights_requests", "allowed")
    ]

"""Guarded record operations: register, read, update and search, each decided and audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.clinic import CREATION

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, InputError, NotFound
from hippocratic.services.records import Actor, FieldState, Records
from hippocratic.services.store import Store, init_store
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.record import SubjectFieldRow

POLICY = Path(__file__).resolve().parents[1] / "guard" / "fixtures" / "testwell.yaml"
PATIENT = {
    "full_name": "Ada Example",
    "nhs_number": "999 000 0018",
    "email": "Ada.Example@example.org",
    "medical_history": "Asthma",
}


@pytest.fixture
def clinic(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    store = init_store(POLICY, database_url, tmp_path / "keys", clock)
    yield store
    store.dispose()


def staff(store: Store, name: str, role: str) -> Records:
    return Records(store, Actor("testwell", name, role))


def events(store: Store) -> list[AuditEventRow]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action.not_in(CREATION))
                .order_by(AuditEventRow.seq)
            )
        )


@pytest.mark.promise("S0-81")
def test_register_read_and_update_a_patient(clinic: Store) -> None:
    reception, dpo = staff(clinic, "alice", "reception"), staff(clinic, "dee", "dpo")
    subject = reception.register("care", PATIENT, request_id="intake-1")
    values = dpo.read(subject, "care", ["full_name", "email", "medical_history"])
    assert {k: (v.state, v.value) for k, v in values.items()} == {
        "full_name": (FieldState.VALUE, "Ada Example"),
        "email": (FieldState.VALUE, "Ada.Example@example.org"),
        "medical_history": (FieldState.VALUE, "Asthma"),
    }
    reception.update(subject, "care", {"email": "ada@example.org"})
    assert dpo.read(subject, "care", ["email"])["email"].value == "ada@example.org"
    assert [(e.action, e.actor, e.outcome) for e in events(clinic)] == [
        ("create", "alice", "allowed"),
        ("read", "dee", "allowed"),
        ("write", "alice", "allowed"),
        ("read", "dee", "allowed"),
    ]
    assert events(clinic)[0].request_id == "intake-1"


@pytest.mark.promise("S1-22", "S0-08")
def test_identity_and_health_are_ciphertext_at_rest_and_found_by_blind_index(
    clinic: Store,
) -> None:
    reception = staff(clinic, "alice", "reception")
    subject = reception.register("care", PATIENT)
    reception.register("care", {**PATIENT, "nhs_number": "999 000 0026", "email": "b@example.org"})
    with clinic.sessions() as session:
        rows = {r.field: r for r in session.scalars(select(SubjectFieldRow).where(
            SubjectFieldRow.subject_id == subject))}  # fmt: skip
    for field in ("full_name", "nhs_number", "medical_history"):
        assert rows[field].value is None
        assert b"Asthma" not in rows[field].ciphertext and b"0018" not in rows[field].ciphertext
    assert rows["email"].value == PATIENT["email"]  # contact data is not encrypted in this policy
    assert rows["nhs_number"].blind_index is not None
    assert reception.find("care", "nhs_number", "9990000018") == [subject]
    assert reception.find("care", "nhs_number", " 999-000-0018 ") == [subject]
    assert reception.find("care", "email", "ADA.EXAMPLE@example.org") == [subject]
    assert reception.find("care", "nhs_number", "9990000034") == []
    searches = [e for e in events(clinic) if e.action == "search"]
    assert len(searches) == 4 and all(e.subject_id is None for e in searches)


def test_only_identifiers_are_searchable(clinic: Store) -> None:
    with pytest.raises(InputError, match="not a searchable identifier"):
        staff(clinic, "alice", "reception").find("care", "medical_history", "Asthma")


@pytest.mark.promise("S0-85")
def test_card_numbers_come_back_as_the_last_four_digits(clinic: Store) -> None:
    reception = staff(clinic, "alice", "reception")
    subject = reception.register("payment", {"full_name": "Ada", "card_number": "4111111111114242"})
    card = reception.read(subject, "payment", ["card_number"])["card_number"]
    assert (card.state, card.value) == (FieldState.MASKED, "••••••••••••4242")


def test_bad_input_writes_nothing_and_unknown_patients_are_not_found(clinic: Store) -> None:
    reception = staff(clinic, "alice", "reception")
    with pytest.raises(InputError, match="must be text"):
        reception.register("care", {"full_name": 42})  # type: ignore[dict-item]
    assert events(clinic) == []
    with pytest.raises(NotFound):
        reception.read("no-such-patient", "care", ["full_name"])
    with pytest.raises(NotFound):
        reception.update("no-such-patient", "care", {"full_name": "x"})
    assert [e.outcome for e in events(clinic)] == ["allowed", "allowed"]


@pytest.mark.promise("S0-33")
def test_a_refused_registration_creates_no_patient(clinic: Store) -> None:
    with pytest.raises(AccessDenied):
        staff(clinic, "mo", "marketing").register("care", PATIENT)
    with clinic.sessions() as session:
        assert session.scalars(select(SubjectFieldRow)).all() == []
    assert [(e.action, e.outcome) for e in events(clinic)] == [("create", "denied")]


def test_nobody_searches_on_a_value_they_may_only_see_masked(clinic: Store) -> None:
    reception = staff(clinic, "alice", "reception")
    subject = reception.register("care", {**PATIENT, "phone": "07700 900123"})
    reception.start_care(subject, "sam")
    clinician = staff(clinic, "sam", "clinician")  # sees phone numbers only redacted
    assert clinician.read(subject, "care", ["phone"])["phone"].value == "[redacted]"
    with pytest.raises(AccessDenied, match="only hidden"):
        clinician.find("care", "phone", "07700 900123")
    assert events(clinic)[-1].outcome == "denied"
    assert reception.find("care", "phone", "+44 7700 900123") == [subject]


@pytest.mark.promise("S0-81")
def test_concurrent_guarded_operations_each_leave_one_event_in_an_intact_chain(
    clinic: Store,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from hippocratic.services.audit import verify_store

    reception, dpo = staff(clinic, "alice", "reception"), staff(clinic, "dee", "dpo")
    subject = reception.register("care", PATIENT)

    def work(n: int) -> None:
        if n % 2:
            dpo.read(subject, "care", ["full_name"], request_id=f"r{n}")
        else:
            reception.register("care", {"full_name": f"Pat {n}"}, request_id=f"r{n}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(24)))
    logged = events(clinic)
    assert sorted(e.request_id for e in logged[1:]) == sorted(f"r{n}" for n in range(24))
    assert [e.seq for e in logged] == list(range(2, 27))  # seq 1: the store's creation
    assert all(result.ok for result in verify_store(clinic))

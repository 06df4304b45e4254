"""The audit ledger: any edit, deletion, insertion, reordering or truncation is found and named."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from hippocratic.services.records import Actor, Records
from hippocratic.storage.ledger import (
    CHECKPOINT_EVERY,
    COLUMNS,
    AuditEvent,
    append,
    chain,
    checkpoint,
)
from hippocratic.storage.ledger_verify import export_fhir, history, verify

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def events(count: int, offset: int = 0) -> list[AuditEvent]:
    return [
        AuditEvent(
            at=START + timedelta(seconds=offset + n),
            actor=f"user{n % 7}",
            role="reception",
            purpose="care",
            subject=f"s{n % 11}",
            action="read",
            outcome="allowed",
            fields=("full_name",),
            categories=("identity",),
            rule_ids=("role:reception/purpose:care",),
            request_id=f"r{offset + n}",
        )
        for n in range(count)
    ]


def fill(store, count: int) -> None:
    signer = store.vault.signing_key("harmonic")
    with store.sessions.begin() as session:
        append(session, "harmonic", events(count), signer)


def check(store):
    with store.sessions() as session:
        return verify(session, "harmonic", store.vault.signing_key("harmonic").public_key())


def unguard(store) -> None:
    with store.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_event_append_only ON audit_event")


def execute(store, sql: str, **params: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(sql), params)


@pytest.mark.promise("S0-81", "S1-24")
def test_an_intact_ledger_verifies(store) -> None:
    fill(store, 50)
    result = check(store)
    assert result.ok
    assert result.count == 50


@pytest.mark.promise("S0-81")
@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "seq"] + ["hash"])
def test_editing_any_field_of_an_event_is_found(store, column: str) -> None:
    fill(store, 20)
    unguard(store)
    value = b"\x00" * 32 if column == "hash" else "tampered"
    execute(store, f"UPDATE audit_event SET {column} = :value WHERE seq = 7", value=value)
    result = check(store)
    assert not result.ok
    assert result.first_bad_seq == 7
    assert "event 7" in (result.problem or "")


def test_deleting_an_event_is_found(store) -> None:
    fill(store, 20)
    unguard(store)
    execute(store, "DELETE FROM audit_event WHERE seq = 12")
    result = check(store)
    assert (result.first_bad_seq, result.count) == (12, 11)
    assert "missing" in (result.problem or "")


def test_swapping_two_events_is_found(store) -> None:
    fill(store, 20)
    unguard(store)
    execute(store, "UPDATE audit_event SET seq = -1 WHERE seq = 5")
    execute(store, "UPDATE audit_event SET seq = 5 WHERE seq = 6")
    execute(store, "UPDATE audit_event SET seq = 6 WHERE seq = -1")
    assert check(store).first_bad_seq == 5


def test_an_event_appended_outside_the_ledger_is_found(store) -> None:
    fill(store, 20)
    with store.engine.connect() as connection:
        last = connection.execute(text("SELECT hash FROM audit_event WHERE seq = 20")).scalar_one()
    forged = [
        21,
        START.isoformat(),
        "mallory",
        "dpo",
        "care",
        None,
        "read",
        "allowed",
        "[]",
        "[]",
        "[]",
        None,
        None,
    ]
    values = dict(zip(COLUMNS, forged, strict=True))
    execute(
        store,
        "INSERT INTO audit_event (organisation_id, "
        + ", ".join(COLUMNS)
        + ", hash) VALUES ('harmonic', "
        + ", ".join(f":{c}" for c in COLUMNS)
        + ", :hash)",
        **values,
        hash=chain(bytes(last), forged),
    )
    result = check(store)
    assert result.first_bad_seq == 21
    assert "head" in (result.problem or "")


def test_truncating_the_tail_is_found(store) -> None:
    fill(store, 30)
    unguard(store)
    execute(store, "DELETE FROM audit_event WHERE seq > 25")
    result = check(store)
    assert (result.count, result.first_bad_seq) == (25, 26)


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(store) -> None:
    fill(store, CHECKPOINT_EVERY + 10)
    unguard(store)
    execute(store, "DELETE FROM audit_event WHERE seq > 900")
    with store.engine.connect() as connection:
        head = connection.execute(text("SELECT hash FROM audit_event WHERE seq = 900")).scalar_one()
    execute(store, "UPDATE audit_head SET seq = 900, hash = :hash", hash=head)
    result = check(store)
    assert not result.ok
    assert "checkpoint" in (result.problem or "")


def test_a_forged_checkpoint_signature_is_found(store) -> None:
    fill(store, 10)
    with store.sessions.begin() as session:
        checkpoint(session, "harmonic", store.vault.signing_key("harmonic"), START)
    execute(store, "UPDATE audit_checkpoint SET signature = :sig", sig=b"\x01" * 64)
    assert "not signed" in (check(store).problem or "")


@pytest.mark.promise("S0-81")
def test_concurrent_writers_never_fork_the_chain(store) -> None:
    signer = store.vault.signing_key("harmonic")
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for batch in range(15):
                with store.sessions.begin() as session:
                    append(session, "harmonic", events(3, offset=worker * 1000 + batch * 3), signer)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = check(store)
    assert result.ok
    assert result.count == 4 * 15 * 3


@pytest.mark.promise("S0-81", "S0-05")
def test_who_accessed_this_record_when_and_why(store, clock) -> None:
    subject = Records(store, Actor("harmonic", "alice", "reception")).register(
        "care", {"full_name": "Ada Example"}
    )
    clock.advance(timedelta(hours=1))
    Records(store, Actor("harmonic", "dee", "dpo")).read(subject, "rights_requests", ["full_name"])
    with store.sessions() as session:
        rows = history(session, "harmonic", subject)
    assert [(r.actor, r.purpose, r.action, r.outcome) for r in rows] == [
        ("dee", "rights_requests", "read", "allowed"),
        ("alice", "care", "create", "allowed"),
    ]
    assert rows[0].at > rows[1].at


def test_fhir_export_is_a_valid_r4_audit_event(store) -> None:
    from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

    subject = Records(store, Actor("harmonic", "alice", "reception")).register(
        "care", {"full_name": "Ada Example"}
    )
    with store.sessions() as session:
        resources = export_fhir(session, "harmonic")
    assert len(resources) == 1
    parsed = FhirAuditEvent.model_validate(resources[0])
    assert parsed.action == "C"
    assert parsed.entity[0].what.identifier.value == subject
    assert parsed.purposeOfEvent[0].coding[0].code == "care"

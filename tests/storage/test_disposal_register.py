"""The disposal register: every shred entered with the key delete, once, append-only, and
a key store made before it gets an entry for each tombstone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from hippocratic.storage import disposal_register
from hippocratic.storage.disposal_register import RETENTION, Disposal
from hippocratic.storage.keystore import KeyBase, LocalMasterKey, open_key_engine
from hippocratic.storage.vault import Vault

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def key_engine(database_url: str) -> Iterator[Engine]:
    engine = open_key_engine(database_url)
    Vault.create_schema(engine)
    yield engine
    engine.dispose()


def vault(engine: Engine) -> Vault:
    made = Vault(engine, LocalMasterKey.generate(), lambda: NOW)
    made.create_organisation("harmonic")
    return made


def test_a_shred_is_entered_once_with_why_and_by_whom(key_engine: Engine) -> None:
    keys = vault(key_engine)
    for subject in ("p1", "p2"):
        keys.ensure_subject_key("harmonic", subject)
    clinic = keys.for_organisation("harmonic")
    clinic.shred_subject("p1", Disposal(RETENTION, "run-7", "operator"))
    clinic.shred_subject("p1")  # again: nothing new to enter
    keys.shred("harmonic", "p2")
    entries = disposal_register.entries(key_engine, "harmonic")
    assert [(e.entry, e.subject, e.cause, e.reference, e.actor) for e in entries] == [
        (1, "p1", "retention", "run-7", "operator"),
        (2, "p2", "shred", None, None),
    ]
    assert entries[0].disposed_at == NOW
    assert disposal_register.high_water(key_engine) == {"harmonic": 2}


def test_the_register_refuses_updates_and_deletes(key_engine: Engine) -> None:
    keys = vault(key_engine)
    keys.ensure_subject_key("harmonic", "p1")
    keys.shred("harmonic", "p1")
    for statement in (
        "UPDATE disposal_register SET subject_id = 'someone else'",
        "DELETE FROM disposal_register",
    ):
        with pytest.raises(DatabaseError, match="append-only"), key_engine.begin() as c:
            c.execute(text(statement))
    assert len(disposal_register.entries(key_engine)) == 1


def test_a_key_store_made_before_the_register_gets_its_tombstones_entered(
    database_url: str,
) -> None:
    engine = open_key_engine(database_url)
    try:
        KeyBase.metadata.create_all(
            engine,
            tables=[t for t in KeyBase.metadata.sorted_tables if t.name != "disposal_register"],
        )
        keys = vault(engine)
        keys.ensure_subject_key("harmonic", "old")
        with engine.begin() as connection:  # a shred made by a version without the register
            connection.execute(text("DELETE FROM subject_key WHERE subject_id = 'old'"))
            connection.execute(
                text("INSERT INTO shredded_subject VALUES ('harmonic', 'old', :at)"), {"at": NOW}
            )
        keys.ensure_subject_key("harmonic", "new")
        keys.shred("harmonic", "new")
        entries = disposal_register.entries(engine, "harmonic")
        assert [(e.entry, e.subject, e.cause) for e in entries] == [
            (1, "old", "tombstone"),
            (2, "new", "shred"),
        ]
    finally:
        engine.dispose()

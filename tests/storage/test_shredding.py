"""The batch shred: a thousand subjects' keys destroyed in one key-store transaction, each with
its tombstone and its disposal-register entry; a failure before the commit destroys none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from hippocratic.errors import Erased
from hippocratic.storage import disposal_register, shredding
from hippocratic.storage.disposal_register import RETENTION, Disposal
from hippocratic.storage.keystore import (
    LocalMasterKey,
    ShreddedSubjectRow,
    SubjectKeyRow,
    open_key_engine,
)
from hippocratic.storage.vault import Vault

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SUBJECTS = [f"patient-{n:04d}" for n in range(1_000)]


@pytest.fixture
def key_engine(database_url: str) -> Iterator[Engine]:
    engine = open_key_engine(database_url)
    Vault.create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def vault(key_engine: Engine) -> Vault:
    made = Vault(key_engine, LocalMasterKey.generate(), lambda: NOW)
    made.create_organisation("harmonic")
    made.ensure_subject_keys("harmonic", SUBJECTS)
    made.ensure_subject_key("harmonic", "kept")
    return made


def keys_left(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(SubjectKeyRow.subject_id)))


def test_a_batch_shred_destroys_every_key_and_registers_every_subject(
    vault: Vault, key_engine: Engine
) -> None:
    vault.shred("harmonic", SUBJECTS[0])  # one already shredded: entered once, not twice
    destroyed = vault.shred_many("harmonic", SUBJECTS, Disposal(RETENTION, "run-1", "job"))
    assert destroyed == 999
    assert keys_left(key_engine) == {"kept"}
    with pytest.raises(Erased):
        vault.subject_cipher("harmonic", SUBJECTS[500])
    entries = disposal_register.entries(key_engine, "harmonic")
    assert [e.subject for e in entries] == SUBJECTS  # every one, in order, numbered 1..1000
    assert [e.entry for e in entries] == list(range(1, 1_001))
    assert {(e.cause, e.reference, e.actor) for e in entries[1:]} == {("retention", "run-1", "job")}
    with key_engine.connect() as connection:
        tombstones = connection.scalar(select(func.count()).select_from(ShreddedSubjectRow))
    assert tombstones == 1_000
    assert vault.shred_many("harmonic", SUBJECTS) == 0  # again: nothing left to do
    assert len(disposal_register.entries(key_engine, "harmonic")) == 1_000


def test_a_batch_shred_that_fails_before_its_commit_shreds_none(
    vault: Vault, key_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object, **__: object) -> int:
        raise RuntimeError("the process dies before the commit")

    vault.subject_cipher("harmonic", SUBJECTS[0])  # a key in this process's cache
    monkeypatch.setattr(shredding.disposal_register, "record_many", crash)
    with pytest.raises(RuntimeError):
        vault.shred_many("harmonic", SUBJECTS)
    assert keys_left(key_engine) == {*SUBJECTS, "kept"}  # the keys were deleted, then not
    assert disposal_register.entries(key_engine, "harmonic") == []
    with key_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ShreddedSubjectRow)) == 0
    monkeypatch.undo()
    assert vault.shred_many("harmonic", SUBJECTS) == 1_000  # running again finishes it
    assert keys_left(key_engine) == {"kept"}

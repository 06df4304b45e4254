"""The deletion register: what was disposed of (table and id, never content), append-only, and
a replay that deletes again what it names and nothing written since."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError

from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions
from hippocratic.storage.disposal_register import ERASURE, Disposal
from hippocratic.storage.keystore import open_key_engine
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.subject import SubjectRow
from hippocratic.storage.vault import Vault

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WHY = Disposal(ERASURE, "request-1", "dee")


@pytest.fixture
def key_engine(database_url: str) -> Iterator[Engine]:
    engine = open_key_engine(database_url)
    Vault.create_schema(engine)
    yield engine
    engine.dispose()


def test_entries_name_what_went_and_refuse_change(key_engine: Engine) -> None:
    items = [("p1", "email"), ("p1", "phone"), (None, "gone")]  # no subject: nothing to enter
    assert disposal_deletions.record(
        key_engine, "harmonic", "field", "subject_field", "delete", items, NOW, WHY
    ) == 2  # fmt: skip
    entries = disposal_deletions.entries(key_engine, "harmonic")
    assert [(e.subject, e.record_table, e.item, e.action, e.cause, e.reference, e.actor)
            for e in entries] == [
        ("p1", "subject_field", "email", "delete", "erasure", "request-1", "dee"),
        ("p1", "subject_field", "phone", "delete", "erasure", "request-1", "dee"),
    ]  # fmt: skip
    for statement in (
        "UPDATE disposal_deletion SET item_id = 'x'",
        "DELETE FROM disposal_deletion",
    ):
        with pytest.raises(DatabaseError, match="append-only"), key_engine.begin() as connection:
            connection.execute(text(statement))
    assert len(disposal_deletions.entries(key_engine, "harmonic")) == 2


def test_a_replay_deletes_a_field_again_unless_it_was_written_since(store: Store) -> None:
    with store.sessions.begin() as session:
        session.add(SubjectRow(organisation_id="harmonic", subject_id="p1", created_at=NOW))
        session.flush()
        for field, at in (("email", NOW), ("phone", NOW + timedelta(days=1))):
            session.add(SubjectFieldRow(organisation_id="harmonic", subject_id="p1",
                                        field=field, value="v", updated_at=at))  # fmt: skip
    entries = disposal_deletions.named(
        "harmonic", "field", "subject_field", "delete",
        [("p1", "email"), ("p1", "phone")], NOW, WHY,
    )  # fmt: skip
    with store.sessions.begin() as session:
        replayed = disposal_deletions.replay(session, "harmonic", entries)
        left = list(session.scalars(select(SubjectFieldRow.field)))
    assert (replayed.deleted, replayed.anonymised) == (1, 0)
    assert left == ["phone"]  # given again after its erasure: the new value stays

"""The notary: checkpoints reach the witnesses only once their transaction has committed, never
after a rollback; a failing witness never fails the commit; the time rule costs one read of
the latest checkpoint per organisation and counts what the transaction has signed already."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from tests.storage.ledger_store import ORG, START, Ledger, Remembered, events, open_ledger

from hippocratic.storage.ledger import AuditCheckpointRow, append
from hippocratic.storage.notary import Notary
from hippocratic.storage.witness import Checkpoint


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    yield opened
    opened.close()


def checkpoints(ledger: Ledger) -> list[int]:
    with ledger.sessions() as session:
        return list(session.scalars(select(AuditCheckpointRow.seq).order_by("seq")))


def test_a_checkpoint_is_witnessed_once_its_transaction_commits(ledger: Ledger) -> None:
    with ledger.sessions.begin() as session:
        append(session, ORG, events(3), ledger.notary)
        assert ledger.witness.kept == []  # not before the commit
    assert [c.seq for c in ledger.witness.kept] == [3] == checkpoints(ledger)


def test_a_rolled_back_checkpoint_never_reaches_a_witness(ledger: Ledger) -> None:
    session = ledger.sessions()
    append(session, ORG, events(3), ledger.notary)
    session.rollback()  # the data change beside it failed
    session.close()
    with ledger.sessions.begin() as session:
        append(session, ORG, events(2), ledger.notary)
        with session.begin_nested() as savepoint:  # a savepoint rolled back, later on
            session.execute(text("SELECT 1"))
            savepoint.rollback()
    assert ledger.witness.kept == []  # lagging behind is safe; ahead of the database is not
    assert checkpoints(ledger) == [2]
    ledger.append(events(1, offset=120))
    assert [c.seq for c in ledger.witness.kept] == [3]


class Broken:
    name = "a broken witness"

    def record(self, checkpoints: Sequence[Checkpoint]) -> None:
        raise OSError("disk full")

    def held(self, organisation: str) -> list[Checkpoint]:
        return []

    def organisations(self) -> set[str]:
        return set()


def test_a_failing_witness_is_logged_and_the_commit_stands(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    other = Remembered()
    notary = Notary(ledger.signer, [Broken(), other])
    with ledger.sessions.begin() as session:
        append(session, ORG, events(2), notary)
    assert "a broken witness could not keep 1 audit checkpoint(s)" in caplog.text
    assert checkpoints(ledger) == [2]
    assert [c.seq for c in other.kept] == [2]  # the other witnesses still get it
    assert ledger.verify().ok


def test_one_transaction_of_many_appends_signs_once_on_time(ledger: Ledger) -> None:
    ledger.append(events(1))
    with ledger.sessions.begin() as session:
        for n in range(5):  # each a minute or more after checkpoint 1; only the first signs
            append(session, ORG, events(1, offset=60 + n), ledger.notary)
    assert checkpoints(ledger) == [1, 2]


def test_a_new_process_reads_the_latest_checkpoint_once_and_does_not_sign_early(
    ledger: Ledger,
) -> None:
    ledger.append(events(3))
    fresh = Notary(ledger.signer)  # another process: knows nothing yet
    with ledger.sessions.begin() as session:
        append(session, ORG, events(2, offset=10), fresh)  # 09:00:10, within the minute
        append(session, ORG, events(1, offset=59), fresh)
    assert checkpoints(ledger) == [3]
    with ledger.sessions.begin() as session:
        session.execute(text("SELECT 1"))
        append(session, ORG, events(1, offset=62), fresh)  # a minute after checkpoint 3
    assert checkpoints(ledger) == [3, 7]
    with ledger.sessions() as session:
        signed_at = session.scalar(select(func.max(AuditCheckpointRow.signed_at)))
    assert signed_at == START + timedelta(seconds=62)

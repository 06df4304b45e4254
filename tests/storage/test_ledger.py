"""The audit ledger: appends form one unbroken chain per organisation, under concurrent writers
too, with signed checkpoints, and the database itself refuses to rewrite history."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests.storage.ledger_store import ORG, START, Ledger, events, open_ledger

from hippocratic.errors import InputError
from hippocratic.storage.database import make_engine, session_factory
from hippocratic.storage.ledger import (
    BODY_COLUMNS,
    AuditCheckpointRow,
    AuditEvent,
    AuditEventRow,
    body,
    checkpoint,
    genesis,
    link,
)
from hippocratic.storage.schema import upgrade


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    yield opened
    opened.close()


def stored(ledger: Ledger, org: str = ORG) -> list[AuditEventRow]:
    with ledger.sessions() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.organisation_id == org)
                .order_by(AuditEventRow.seq)
            )
        )


@pytest.mark.promise("S0-81")
def test_appended_events_form_one_chain_from_the_organisations_genesis(ledger: Ledger) -> None:
    assert ledger.append(events(3)) == 3
    assert ledger.append(events(2, offset=3)) == 5
    rows = stored(ledger)
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    previous = genesis(ORG)
    for row in rows:
        assert row.prev_hash == previous
        values = [getattr(row, column) for column in BODY_COLUMNS]
        assert row.hash == link(previous, body(values))
        previous = row.hash
    assert ledger.verify().ok and ledger.verify().count == 5


def test_every_recorded_detail_is_kept(ledger: Ledger) -> None:
    event = AuditEvent(
        at=START,
        actor="alice",
        role="sonographer",
        purpose="care",
        subject="s1",
        action="read",
        outcome="denied",
        fields=("medical_history",),
        categories=("health",),
        rule_ids=("care:relationship_missing",),
        request_id="req-9",
        reason="no care relationship",
    )
    ledger.append([event])
    (row,) = stored(ledger)
    assert (row.at, row.actor, row.role, row.purpose, row.subject_id, row.action) == (
        "2026-11-24T09:00:00+00:00", "alice", "sonographer", "care", "s1", "read"
    )  # fmt: skip
    assert (row.outcome, row.fields, row.categories, row.rule_ids) == (
        "denied", '["medical_history"]', '["health"]', '["care:relationship_missing"]'
    )  # fmt: skip
    assert (row.request_id, row.reason) == ("req-9", "no care relationship")


def test_awkward_text_hashes_the_same_in_the_database_and_in_python(ledger: Ledger) -> None:
    """Verification has the database build each body: quotes, newlines, accents, emoji,
    JSON look-alikes and empty optional values must serialise exactly as appends did."""
    awkward = [
        AuditEvent(START, "o'brien \"the\" admin", "dpo", "rights_requests", None, "search",
                   "allowed", ("a,b", 'c"d'), (), (), "", "line one\nline two\t½ 😷"),
        AuditEvent(START, "zoë", "clinician", "care", "", "read", "allowed",
                   ("[]",), ("{}",), ("null",), None, "  "),
    ]  # fmt: skip
    ledger.append(awkward)
    rows = stored(ledger)
    assert (rows[0].subject_id, rows[0].request_id, rows[1].subject_id) == (None, None, None)
    assert ledger.verify().ok


@pytest.mark.parametrize("bad", ["a\x1fb", "nul\x00"])
def test_reserved_control_characters_are_refused_and_nothing_is_written(
    ledger: Ledger, bad: str
) -> None:
    ledger.append(events(2))
    with pytest.raises(InputError):
        ledger.append([*events(1, offset=2), AuditEvent(START, bad, "r", "p", None, "read", "x")])
    assert [row.seq for row in stored(ledger)] == [1, 2]
    assert ledger.verify().ok


def test_a_time_without_its_utc_offset_is_refused(ledger: Ledger) -> None:
    naive = AuditEvent(START.replace(tzinfo=None), "alice", "r", "p", None, "read", "allowed")
    with pytest.raises(InputError, match="UTC offset"):
        ledger.append([naive])
    assert stored(ledger) == []


def signed(ledger: Ledger) -> list[AuditCheckpointRow]:
    with ledger.sessions() as session:
        return list(session.scalars(select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq)))


@pytest.mark.promise("S0-81")
def test_checkpoints_are_signed_on_a_count_on_time_and_on_demand(ledger: Ledger) -> None:
    """Every 10th event here (every 1,000th by default); the head at the end of an append a
    minute or more after the last checkpoint, or with none before it; and on demand."""
    ledger.append(events(3), every=10)  # the chain's first append: nothing signed before
    ledger.append(events(22, offset=3), every=10)  # 09:00:03-24, within a minute of event 3
    assert [row.seq for row in signed(ledger)] == [3, 10, 20]
    ledger.append(events(4, offset=25))  # 09:00:25-28, within a minute of event 20
    assert [row.seq for row in signed(ledger)] == [3, 10, 20]
    with ledger.sessions.begin() as session:
        assert checkpoint(session, ORG, ledger.notary, START + timedelta(seconds=30)) == 29
        assert checkpoint(session, ORG, ledger.notary, START) == 29  # already signed: no-op
        assert checkpoint(session, "nobody", ledger.notary, START) == 0
    ledger.append(events(2, offset=89))  # 09:01:29-30: a minute after 29 was signed
    ledger.append(events(2, offset=200))
    rows = signed(ledger)
    assert [row.seq for row in rows] == [3, 10, 20, 29, 31, 33]
    hashes = {row.seq: row.hash for row in stored(ledger)}
    public = ledger.signer.public_key()
    for row in rows:
        assert row.hash == hashes[row.seq]
        when = row.signed_at.isoformat().encode()
        public.verify(
            row.signature,
            b"hippocratic-audit/2\x1fharmonic\x1f%d\x1f%s\x1f" % (row.seq, when) + row.hash,
        )
    assert [c.seq for c in ledger.witness.held(ORG)] == [3, 10, 20, 29, 31, 33]
    assert ledger.verify().ok


@pytest.mark.promise("S0-81")
def test_each_organisation_has_its_own_chain(ledger: Ledger) -> None:
    for n in range(4):
        ledger.append(events(3, offset=n * 3), org="harmonic")
        ledger.append(events(2, offset=n * 2), org="harmony")
    assert [r.seq for r in stored(ledger, "harmony")] == list(range(1, 9))
    assert stored(ledger, "harmony")[0].prev_hash == genesis("harmony") != genesis("harmonic")
    ledger.unguard()
    ledger.execute(
        "UPDATE audit_event SET actor = 'x' WHERE organisation_id = 'harmony' AND seq = 3"
    )
    assert ledger.verify("harmonic").ok
    assert ledger.verify("harmonic").count == 12
    assert ledger.verify("harmony").first_bad_seq == 3


@pytest.mark.promise("S0-81")
@pytest.mark.parametrize("workers", [4])
def test_concurrent_writers_never_fork_the_chain(ledger: Ledger, workers: int) -> None:
    """Several threads, each with its own transactions, append at once: one unbroken chain,
    every event once, and each batch contiguous (the head row serialises appends)."""
    errors: list[BaseException] = []
    batches, size = 12, 5

    def writer(worker: int) -> None:
        try:
            for batch in range(batches):
                offset = worker * 1000 + batch * size
                ledger.append(events(size, offset=offset, subject=f"w{worker}b{batch}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = ledger.verify()
    assert (result.ok, result.count) == (True, workers * batches * size)
    rows = stored(ledger)
    by_batch: dict[str, list[int]] = {}
    for row in rows:
        by_batch.setdefault(row.subject_id or "", []).append(row.seq)
    assert len(by_batch) == workers * batches
    assert all(seqs == list(range(seqs[0], seqs[0] + size)) for seqs in by_batch.values())


def test_the_first_appends_of_a_new_organisation_race_safely(ledger: Ledger) -> None:
    """The head row does not exist yet: concurrent first writers must not fork or fail."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            start.wait()
            ledger.append(events(3, offset=worker * 10), org="newclinic")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (ledger.verify("newclinic").ok, ledger.verify("newclinic").count) == (True, 12)


REFUSED = r"append-only|only moves forward"
UNDO = [
    "UPDATE audit_event SET actor = 'mallory'",
    "UPDATE audit_event SET hash = prev_hash",
    "DELETE FROM audit_event",
    "DELETE FROM audit_event WHERE seq = 2",
    "UPDATE audit_checkpoint SET seq = 1",
    "DELETE FROM audit_checkpoint",
    "UPDATE audit_head SET seq = 1",
    "UPDATE audit_head SET organisation_id = 'harmony'",
    "DELETE FROM audit_head",
]


@pytest.mark.promise("S0-81", "S0-105")
@pytest.mark.parametrize("created_by", ["metadata", "migration"])
@pytest.mark.parametrize("statement", UNDO)
def test_the_database_refuses_to_rewrite_history(
    database_url: str, created_by: str, statement: str
) -> None:
    engine = make_engine(database_url)
    if created_by == "migration":
        upgrade(engine)
        ledger = Ledger(engine, session_factory(engine), Ed25519PrivateKey.generate())
    else:
        engine.dispose()
        ledger = open_ledger(database_url)
    ledger.append(events(3), every=2)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match=REFUSED):
        ledger.execute(statement)
    if ledger.engine.dialect.name == "postgresql" and statement.startswith("DELETE"):
        table = statement.split()[2]
        with pytest.raises(sqlalchemy.exc.DatabaseError, match=REFUSED):
            ledger.execute(f"TRUNCATE {table}")
    ledger.append(events(1, offset=3))  # appends still move the head forward
    result = ledger.verify()
    assert (result.ok, result.count) == (True, 4)
    ledger.close()

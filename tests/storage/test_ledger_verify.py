"""Verification finds and names any edited, deleted, inserted, reordered or truncated event,
even after someone with full database access has dropped the append-only triggers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from tests.storage.ledger_store import ORG, START, Ledger, events, open_ledger

from hippocratic.storage import ledger_spans
from hippocratic.storage.database import snapshot
from hippocratic.storage.ledger import AuditEventRow, body, link
from hippocratic.storage.ledger_spans import check_in_parallel
from hippocratic.storage.ledger_verify import Problem, VerifyResult, verify

EVENTS = 25
REPO = Path(__file__).resolve().parents[2]
COLUMNS = list(AuditEventRow.__table__.columns.keys())


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    opened.append(events(EVENTS), every=10)
    opened.unguard()
    yield opened
    opened.close()


def hash_of(ledger: Ledger, seq: int) -> bytes:
    return bytes(ledger.scalar("SELECT hash FROM audit_event WHERE seq = :seq", seq=seq))


def test_an_intact_ledger_verifies(ledger: Ledger) -> None:
    result = ledger.verify()
    assert (result.ok, result.count, result.first_bad_seq, result.kind) == (True, 25, None, None)


def test_an_empty_ledger_verifies(ledger: Ledger) -> None:
    assert ledger.verify("nobody").ok


def test_every_column_is_covered() -> None:
    assert set(COLUMNS) == {
        "organisation_id", "seq", "at", "actor", "role", "purpose", "subject_id", "action",
        "outcome", "fields", "categories", "rule_ids", "request_id", "reason", "prev_hash",
        "hash",
    }  # fmt: skip


def tampered_value(column: str) -> object:
    if column in {"hash", "prev_hash"}:
        return b"\x5a" * 32
    if column == "seq":
        return 999
    if column == "organisation_id":
        return "harmony"
    return "tampered"


@pytest.mark.promise("S0-81")
@pytest.mark.parametrize("seq", [1, 13, EVENTS])
@pytest.mark.parametrize("column", COLUMNS)
def test_changing_any_field_of_any_event_is_found_and_named(
    ledger: Ledger, column: str, seq: int
) -> None:
    ledger.execute(
        f"UPDATE audit_event SET {column} = :value WHERE seq = :seq",
        value=tampered_value(column),
        seq=seq,
    )
    result = ledger.verify()
    assert not result.ok
    assert result.first_bad_seq == seq
    assert result.count == seq - 1
    assert f"event {seq}" in (result.problem or "")
    if column not in {"seq", "organisation_id"}:
        assert result.kind is Problem.EDITED
    elif seq < EVENTS:
        assert result.kind is Problem.MISSING  # the event left its place in the chain


@pytest.mark.promise("S0-81")
def test_deleting_an_event_is_found(ledger: Ledger) -> None:
    ledger.execute("DELETE FROM audit_event WHERE seq = 12")
    result = ledger.verify()
    assert (result.first_bad_seq, result.count, result.kind) == (12, 11, Problem.MISSING)
    assert "event 12 is missing" in (result.problem or "")


@pytest.mark.promise("S0-81")
def test_swapping_two_events_is_found(ledger: Ledger) -> None:
    ledger.execute("UPDATE audit_event SET seq = -1 WHERE seq = 5")
    ledger.execute("UPDATE audit_event SET seq = 5 WHERE seq = 6")
    ledger.execute("UPDATE audit_event SET seq = 6 WHERE seq = -1")
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind) == (5, Problem.OUT_OF_PLACE)
    assert "reordered" in (result.problem or "")


def forge(ledger: Ledger, seq: int, previous: bytes) -> bytes:
    """Write a well-formed event at ``seq`` that links to ``previous``, as a forger could."""
    values = [START.isoformat(), "mallory", "dpo", "care", "s1", "read", "allowed",
              "[]", "[]", "[]", None, None]  # fmt: skip
    digest = link(previous, body(values))
    columns = ["at", "actor", "role", "purpose", "subject_id", "action", "outcome", "fields",
               "categories", "rule_ids", "request_id", "reason"]  # fmt: skip
    ledger.execute(
        f"INSERT INTO audit_event (organisation_id, seq, {', '.join(columns)}, prev_hash, hash) "
        f"VALUES ('{ORG}', :seq, {', '.join(':' + c for c in columns)}, :prev, :hash)",
        seq=seq, prev=previous, hash=digest, **dict(zip(columns, values, strict=True)),
    )  # fmt: skip
    return digest


@pytest.mark.promise("S0-81")
def test_inserting_an_event_in_the_middle_is_found(ledger: Ledger) -> None:
    """The forger renumbers the later events, links a new event 11 to event 10 and moves the
    head: event 12 (the old 11) no longer follows its predecessor."""
    ledger.execute("UPDATE audit_event SET seq = seq + 1000 WHERE seq > 10")
    ledger.execute("UPDATE audit_event SET seq = seq - 999 WHERE seq > 1000")
    forge(ledger, 11, hash_of(ledger, 10))
    ledger.execute("UPDATE audit_head SET seq = 26, hash = :h", h=hash_of(ledger, 26))
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind, result.count) == (12, Problem.OUT_OF_PLACE, 11)


@pytest.mark.promise("S0-81")
def test_an_event_appended_outside_the_ledger_is_found(ledger: Ledger) -> None:
    forge(ledger, EVENTS + 1, hash_of(ledger, EVENTS))
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind) == (EVENTS + 1, Problem.BEYOND_HEAD)


@pytest.mark.promise("S0-81")
def test_truncating_the_tail_is_found_by_the_head(ledger: Ledger) -> None:
    ledger.execute("DELETE FROM audit_event WHERE seq > 22")
    result = ledger.verify()
    assert (result.count, result.first_bad_seq, result.kind) == (22, 23, Problem.TRUNCATED)


def test_rewinding_the_head_without_its_hash_is_found(ledger: Ledger) -> None:
    ledger.execute("DELETE FROM audit_event WHERE seq > 22")
    ledger.execute("UPDATE audit_head SET seq = 22")
    result = ledger.verify()
    assert (result.count, result.first_bad_seq, result.kind) == (22, 23, Problem.TRUNCATED)
    assert "head does not match event 22" in (result.problem or "")


@pytest.mark.promise("S0-81")
def test_truncating_the_tail_and_rewinding_the_head_is_found_by_a_signed_checkpoint(
    ledger: Ledger,
) -> None:
    ledger.execute("DELETE FROM audit_event WHERE seq > 15")
    ledger.execute("UPDATE audit_head SET seq = 15, hash = :h", h=hash_of(ledger, 15))
    result = ledger.verify(witnessed=False)
    assert (result.count, result.first_bad_seq, result.kind) == (15, 16, Problem.TRUNCATED)
    assert "checkpoint covers event 20" in (result.problem or "")
    result = ledger.verify()
    assert (result.count, result.first_bad_seq, result.kind) == (15, 16, Problem.TRUNCATED)
    assert "the remembering witness holds a signed checkpoint at event 20" in (result.problem or "")


def test_a_rewritten_tail_is_found_by_the_signed_checkpoint(ledger: Ledger) -> None:
    """Replacing events 16-25 with a consistent forged chain still contradicts checkpoint 20."""
    ledger.execute("DELETE FROM audit_event WHERE seq > 15")
    previous = hash_of(ledger, 15)
    for seq in range(16, EVENTS + 1):
        previous = forge(ledger, seq, previous)
    ledger.execute("UPDATE audit_head SET hash = :h", h=previous)
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind) == (20, Problem.CHECKPOINT)


def test_a_forged_checkpoint_signature_is_found(ledger: Ledger) -> None:
    ledger.execute("UPDATE audit_checkpoint SET signature = :sig WHERE seq = 20", sig=b"\1" * 64)
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind) == (20, Problem.CHECKPOINT)
    assert "not signed" in (result.problem or "")


def test_checkpoints_signed_with_another_key_are_refused(ledger: Ledger) -> None:
    with ledger.sessions() as session:
        result = verify(session, ORG, Ed25519PrivateKey.generate().public_key())
    assert (result.first_bad_seq, result.kind) == (10, Problem.CHECKPOINT)


def test_verification_streams_across_batches(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in a later batch is still named exactly, with the count before it."""
    import hippocratic.storage.ledger_scan as ledger_scan

    monkeypatch.setattr(ledger_scan, "BATCH", 7)
    opened = open_ledger(database_url)
    opened.append(events(40), every=10)
    assert opened.verify().ok
    opened.unguard()
    opened.execute("UPDATE audit_event SET reason = 'x' WHERE seq = 33")
    result = opened.verify()
    assert (result.first_bad_seq, result.count, result.kind) == (33, 32, Problem.EDITED)
    opened.close()


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans of 3 events, so that 25 events give work to every process."""
    monkeypatch.setattr(ledger_spans, "SPAN_MIN", 1)


def verify_in_parallel(ledger: Ledger, workers: int = 3) -> VerifyResult:
    with snapshot(ledger.engine) as session:
        return verify(session, ORG, ledger.signer.public_key(), workers=workers, parallel_from=1)


@pytest.mark.usefixtures("small_spans")
def test_spans_checked_in_parallel_stitch_into_the_whole_chain(ledger: Ledger) -> None:
    """Three processes share nine spans of the 25 events; their ends link into one chain."""
    with snapshot(ledger.engine) as session:
        last = check_in_parallel(session, ORG, EVENTS, {}, workers=3)
    assert last == hash_of(ledger, EVENTS)
    result = verify_in_parallel(ledger)
    assert (result.ok, result.count) == (True, EVENTS)


def test_a_worker_checks_its_span_in_the_callers_snapshot(ledger: Ledger) -> None:
    """What a worker process runs, run here: it reports the span's two ends, and on PostgreSQL
    it sees the caller's exported snapshot, not events appended since."""
    url = ledger.engine.url.render_as_string(hide_password=False)
    with snapshot(ledger.engine) as session:
        exported = None
        if ledger.engine.dialect.name == "postgresql":
            exported = session.scalar(text("SELECT pg_export_snapshot()"))
        ledger.execute("DELETE FROM audit_event WHERE seq = 12")  # after the snapshot began
        span = ledger_spans._check_span(url, ORG, (10, 18), {}, exported)
    if exported is not None:
        assert span == ledger_spans.Span(True, hash_of(ledger, 9), hash_of(ledger, 18))
    else:  # a fresh SQLite snapshot sees the deletion
        assert not span.intact


@pytest.mark.usefixtures("small_spans")
@pytest.mark.promise("S0-81")
@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_event SET actor = 'mallory' WHERE seq = 13", (13, Problem.EDITED)),
        ("DELETE FROM audit_event WHERE seq = 10", (10, Problem.MISSING)),
        ("UPDATE audit_event SET prev_hash = hash WHERE seq = 9", (9, Problem.EDITED)),
        ("DELETE FROM audit_event WHERE seq > 20", (21, Problem.TRUNCATED)),
    ],
    ids=["edited", "deleted at a span boundary", "link edited at a span boundary", "truncated"],
)
def test_parallel_verification_finds_and_names_what_the_single_walk_does(
    ledger: Ledger, tamper: str, expected: tuple[int, Problem]
) -> None:
    """Spans of 3 events (1-3, 4-6, ... 25): tampering inside a span or at its edge makes the
    parallel check fail (had it passed, the verdict would be "ok"), and the walk that follows
    names the first bad event."""
    ledger.execute(tamper)
    result = verify_in_parallel(ledger)
    assert (result.first_bad_seq, result.kind) == expected
    assert result == ledger.verify()


@pytest.mark.usefixtures("small_spans")
def test_swapping_events_across_a_span_boundary_is_found_in_parallel(ledger: Ledger) -> None:
    """Events 9 and 10 trade places across the boundary of spans 7-9 and 10-12: the walk names
    event 9 as out of place."""
    ledger.execute("UPDATE audit_event SET seq = -1 WHERE seq = 9")
    ledger.execute("UPDATE audit_event SET seq = 9 WHERE seq = 10")
    ledger.execute("UPDATE audit_event SET seq = 10 WHERE seq = -1")
    result = verify_in_parallel(ledger)
    assert (result.first_bad_seq, result.kind) == (9, Problem.OUT_OF_PLACE)


def test_verification_reads_one_snapshot_while_appends_go_on(database_url: str) -> None:
    """An append committed while a verification is under way neither waits for it nor
    shows up in it as an event beyond the head."""
    opened = open_ledger(database_url)
    opened.append(events(10))
    with snapshot(opened.engine) as session:
        session.execute(text("SELECT 1 FROM audit_head")).all()  # the snapshot starts here
        opened.append(events(5, offset=10))  # another writer, not blocked by the reader
        result = verify(session, ORG, opened.signer.public_key())
    assert (result.ok, result.count) == (True, 10)
    assert opened.verify().count == 15
    opened.close()


UNGUARDED = """
import sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hippocratic.storage import ledger_spans
from hippocratic.storage.database import Base, make_engine, session_factory, snapshot
from hippocratic.storage.ledger import append
from hippocratic.storage.notary import Notary
from hippocratic.storage.ledger_verify import verify
from tests.storage.ledger_store import events

ledger_spans.SPAN_MIN = 1
engine = make_engine(sys.argv[1])
Base.metadata.create_all(engine)
with session_factory(engine).begin() as session:
    append(session, "harmonic", events(30), Notary(Ed25519PrivateKey.generate()))
with snapshot(engine) as session:
    result = verify(session, "harmonic", None, workers=2, parallel_from=1)
print("verified", result.ok, result.count)
"""


def test_a_script_without_a_main_guard_still_verifies(tmp_path: Path) -> None:
    """multiprocessing cannot start workers from a script with no ``if __name__ ==
    "__main__"`` guard; verification then walks the chain in one process instead of failing."""
    script = tmp_path / "verify_ledger.py"
    script.write_text(UNGUARDED, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    done = subprocess.run(
        [sys.executable, str(script), url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "verified True 30"

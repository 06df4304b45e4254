"""The checkpoints an honest chain has are required: on a count, every one a witness holds, and
the one due a minute after the last; checkpoints from before their time was signed still
verify. All after someone with full database access has dropped the ledger's triggers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from tests.storage.ledger_store import ORG, START, Ledger, events, forge_onto_head, open_ledger

from hippocratic.storage.ledger_checkpoints import Witnessed
from hippocratic.storage.ledger_verify import Problem, verify
from hippocratic.storage.witness import legacy_message


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """25 events, checkpoints at 1 (the first append), 10 and 20, witnessed; no triggers."""
    opened = open_ledger(database_url)
    opened.append(events(1), every=10)
    opened.append(events(24, offset=1), every=10)
    opened.unguard()
    yield opened
    opened.close()


def test_a_deleted_checkpoint_on_the_count_is_named_without_any_witness(ledger: Ledger) -> None:
    ledger.execute("DELETE FROM audit_checkpoint WHERE seq = 10")
    with ledger.sessions() as session:
        result = verify(session, ORG, ledger.signer.public_key(), checkpoint_every=10)
    assert (result.first_bad_seq, result.kind, result.count) == (
        10, Problem.CHECKPOINT_MISSING, 9
    )  # fmt: skip
    assert "checkpoint at event 10 is missing: one is signed at every 10th event" in (
        result.problem or ""
    )


def test_every_witnessed_checkpoint_must_be_in_the_database(ledger: Ledger) -> None:
    ledger.execute("DELETE FROM audit_checkpoint WHERE seq = 1")
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind) == (1, Problem.CHECKPOINT_MISSING)
    assert "missing from the database: the remembering witness holds it" in (result.problem or "")
    assert ledger.verify(witnessed=False).ok  # the database alone cannot tell


def test_an_intact_chain_reports_how_far_it_is_signed_and_witnessed(ledger: Ledger) -> None:
    result = ledger.verify()
    assert (result.ok, result.count, result.signed_to, result.witnessed_to) == (True, 25, 20, 20)


def forge_tail(ledger: Ledger, at_seconds: int) -> None:
    """Event 26, with a correct hash, and the head moved to it, as a forger could write it."""
    url = ledger.engine.url.render_as_string(hide_password=False)
    assert forge_onto_head(url, ORG, START + timedelta(seconds=at_seconds)) == 26


def test_an_event_dated_a_minute_after_the_last_signed_time_must_be_signed(
    ledger: Ledger,
) -> None:
    """Checkpoint 20 was signed at 09:00:19; an honest append dated 09:01:19 or later signs
    the head, so an unsigned event 26 dated then was not written by the ledger."""
    forge_tail(ledger, 19 + 60)
    result = ledger.verify()
    assert (result.first_bad_seq, result.kind, result.count) == (
        26, Problem.CHECKPOINT_MISSING, 25
    )  # fmt: skip
    assert "the checkpoint due with event 26 is missing" in (result.problem or "")


def test_an_event_within_the_minute_of_the_last_checkpoint_cannot_be_told_apart(
    ledger: Ledger,
) -> None:
    """The limit, stated in docs/audit.md: the unsigned tail is forgeable by a database
    writer until it is signed."""
    forge_tail(ledger, 19 + 59)
    assert ledger.verify().ok


def test_honest_appends_at_any_pace_always_verify(ledger: Ledger) -> None:
    for offset in (25, 30, 84, 85, 200, 260, 261):
        ledger.append(events(3, offset=offset))
        result = ledger.verify()
        assert result.ok, result.problem


def test_a_witness_copy_with_a_forged_signature_is_refused(ledger: Ledger) -> None:
    (genuine, *_) = ledger.witnessed()
    forged = Witnessed("the file dpo.json", replace(genuine.checkpoint, seq=22))
    with ledger.sessions() as session:
        result = verify(session, ORG, ledger.signer.public_key(), witnessed=[forged])
    assert (result.first_bad_seq, result.kind) == (22, Problem.CHECKPOINT)
    assert "that the file dpo.json holds is not signed" in (result.problem or "")


def test_checkpoints_signed_before_their_time_was_signed_still_verify(ledger: Ledger) -> None:
    """A store from before #17: its checkpoints sign no time, it has no witness, and its tail
    may be old; it verifies, and the time rule waits for its first dated checkpoint."""
    for seq in (1, 10, 20):
        digest = bytes(ledger.scalar("SELECT hash FROM audit_event WHERE seq = :s", s=seq))
        ledger.execute(
            "UPDATE audit_checkpoint SET signature = :sig WHERE seq = :s",
            sig=ledger.signer.sign(legacy_message(ORG, seq, digest)), s=seq,
        )  # fmt: skip
    forge_tail(ledger, 3600)  # as a late honest event of an old store would look
    assert ledger.verify(witnessed=False).ok

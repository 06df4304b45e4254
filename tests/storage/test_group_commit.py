"""Group commit: many threads' reads recorded in shared transactions, each caller answered only
once its own events are committed, with the seq of its own last event, in one unbroken chain;
a read alone takes one transaction; a refused event fails its own request only, and a failed
commit fails every request in it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tests.storage.ledger_store import ORG, Ledger, events, open_ledger

from hippocratic.errors import InputError
from hippocratic.storage.group_commit import GroupCommit
from hippocratic.storage.ledger import AuditEvent, AuditEventRow


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    yield opened
    opened.close()


def subjects_by_seq(ledger: Ledger) -> dict[int, str | None]:
    with ledger.sessions() as session:
        rows = session.execute(
            select(AuditEventRow.seq, AuditEventRow.subject_id).where(
                AuditEventRow.organisation_id == ORG
            )
        )
        return {int(seq): subject for seq, subject in rows}


class Held:
    """Holds the first batch's commit until ``release``, so that others queue behind it."""

    def __init__(self, group: GroupCommit) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self._first = True
        event.listen(group.sessions, "before_commit", self._hold)

    def _hold(self, _session: Session) -> None:
        if self._first:
            self._first = False
            self.entered.set()
            assert self.gate.wait(10)

    def release(self) -> None:
        self.gate.set()


@pytest.mark.promise("S0-81")
def test_one_caller_alone_appends_and_commits_as_before(ledger: Ledger) -> None:
    group = GroupCommit(ledger.sessions, ledger.engine)
    assert group.append(ORG, events(2, subject="a"), ledger.notary) == 2
    assert group.append(ORG, events(1, offset=2, subject="b"), ledger.notary) == 3
    assert group.batches == 2
    assert subjects_by_seq(ledger) == {1: "a", 2: "a", 3: "b"}
    assert ledger.verify().ok


@pytest.mark.promise("S0-81")
def test_callers_who_arrive_during_a_commit_share_the_next_one(ledger: Ledger) -> None:
    """While the first batch commits, eight more requests queue; they go in together, each
    learns the seq of its own last event, and the chain verifies."""
    group = GroupCommit(ledger.sessions, ledger.engine)
    held = Held(group)
    seqs: dict[str, int] = {}

    def read(name: str, count: int) -> None:
        seqs[name] = group.append(ORG, events(count, subject=name), ledger.notary)

    first = threading.Thread(target=read, args=("first", 1))
    first.start()
    assert held.entered.wait(10)
    others = [threading.Thread(target=read, args=(f"r{n}", 1 + n % 3)) for n in range(8)]
    for thread in others:
        thread.start()
    while len(group._queue) < 8:  # every one of them is waiting behind the first batch
        threading.Event().wait(0.005)
    assert seqs == {}, "nobody is answered before their events are committed"
    held.release()
    for thread in [first, *others]:
        thread.join(10)
    assert group.batches == 2
    stored = subjects_by_seq(ledger)
    assert len(stored) == 1 + sum(1 + n % 3 for n in range(8))
    for name, last in seqs.items():
        mine = sorted(seq for seq, subject in stored.items() if subject == name)
        assert mine[-1] == last
        assert mine == list(range(mine[0], last + 1)), "a request's events stay together"
    assert ledger.verify().ok


def test_many_threads_at_once_lose_no_event_and_fork_no_chain(ledger: Ledger) -> None:
    group = GroupCommit(ledger.sessions, ledger.engine)
    errors: list[BaseException] = []

    def reader(worker: int) -> None:
        try:
            for n in range(15):
                group.append(ORG, events(2, offset=n, subject=f"w{worker}n{n}"), ledger.notary)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    result = ledger.verify()
    assert (result.ok, result.count) == (True, 6 * 15 * 2)
    assert group.batches <= 6 * 15


def test_a_refused_event_fails_its_own_request_and_the_others_are_recorded(
    ledger: Ledger,
) -> None:
    group = GroupCommit(ledger.sessions, ledger.engine)
    held = Held(group)
    outcome: dict[str, object] = {}
    bad = [replace(events(1, subject="bad")[0], reason="a reason with \x1f in it")]

    def read(name: str, items: Sequence[AuditEvent]) -> None:
        try:
            outcome[name] = group.append(ORG, items, ledger.notary)
        except InputError as exc:
            outcome[name] = exc

    first = threading.Thread(target=read, args=("first", events(1, subject="first")))
    first.start()
    assert held.entered.wait(10)
    queued = [
        threading.Thread(target=read, args=("good1", events(1, subject="good1"))),
        threading.Thread(target=read, args=("bad", bad)),
        threading.Thread(target=read, args=("good2", events(1, subject="good2"))),
    ]
    for thread in queued:
        thread.start()
    while len(group._queue) < 3:
        threading.Event().wait(0.005)
    held.release()
    for thread in [first, *queued]:
        thread.join(10)
    assert isinstance(outcome["bad"], InputError)
    assert sorted(subjects_by_seq(ledger).values()) == ["first", "good1", "good2"]
    assert ledger.verify().ok


def test_a_commit_that_fails_fails_every_request_in_it_and_records_none(
    ledger: Ledger,
) -> None:
    group = GroupCommit(ledger.sessions, ledger.engine)

    def refuse(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("the disk is full"))

    event.listen(group.sessions, "before_commit", refuse)
    with pytest.raises(OperationalError):
        group.append(ORG, events(2), ledger.notary)
    event.remove(group.sessions, "before_commit", refuse)
    with ledger.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEventRow)) == 0
    assert group.append(ORG, events(1), ledger.notary) == 1, "the next batch goes ahead"


def test_a_read_alone_is_one_transaction_and_one_arriving_meanwhile_joins_its_commit(
    ledger: Ledger,
) -> None:
    """The first read leads: it decides and fetches inside the write transaction. A second read
    arriving while that transaction is open fetches without waiting for it, and its events are
    committed by the leader's commit: two reads, one batch."""
    group = GroupCommit(ledger.sessions, ledger.engine)
    inside, queued = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def leading(session: Session) -> tuple[Sequence[AuditEvent], str]:
        inside.set()
        assert queued.wait(10), "the second read did not queue while the first was open"
        return events(1, subject="leader"), "leader's data"

    def following(session: Session) -> tuple[Sequence[AuditEvent], str]:
        return events(2, subject="follower"), "follower's data"

    first = threading.Thread(
        target=lambda: results.update(leader=group.read(ORG, leading, ledger.notary))
    )
    first.start()
    assert inside.wait(10)
    second = threading.Thread(
        target=lambda: results.update(follower=group.read(ORG, following, ledger.notary))
    )
    second.start()
    while not group._queue:
        threading.Event().wait(0.005)
    assert "follower" not in results, "its events are not committed yet"
    queued.set()
    for thread in (first, second):
        thread.join(10)
    assert results == {"leader": "leader's data", "follower": "follower's data"}
    assert group.batches == 1
    assert subjects_by_seq(ledger) == {1: "leader", 2: "follower", 3: "follower"}
    assert ledger.verify().ok


def test_a_leader_whose_own_event_is_refused_raises_and_the_read_queued_behind_it_commits(
    ledger: Ledger,
) -> None:
    group = GroupCommit(ledger.sessions, ledger.engine)
    inside, queued = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}
    bad = [replace(events(1, subject="bad")[0], actor="some\x1fone")]

    def leading(session: Session) -> tuple[Sequence[AuditEvent], str]:
        inside.set()
        assert queued.wait(10)
        return bad, "never shown"

    def lead() -> None:
        try:
            outcome["leader"] = group.read(ORG, leading, ledger.notary)
        except InputError as exc:
            outcome["leader"] = exc

    first = threading.Thread(target=lead)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(
        target=lambda: outcome.update(
            follower=group.read(ORG, lambda s: (events(1, subject="ok"), "ok"), ledger.notary)
        )
    )
    second.start()
    while not group._queue:
        threading.Event().wait(0.005)
    queued.set()
    for thread in (first, second):
        thread.join(10)
    assert isinstance(outcome["leader"], InputError)
    assert outcome["follower"] == "ok"
    assert list(subjects_by_seq(ledger).values()) == ["ok"]
    assert ledger.verify().ok

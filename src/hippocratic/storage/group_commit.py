"""Group commit of audit events: the events of reads made at the same moment by several
threads of one process go into the chain in one transaction and one durable commit, and each
thread returns only once its own events are committed.

A read decides and fetches in a transaction that takes no write lock (``database.reading``),
then hands its events to ``GroupCommit.append`` and waits. The first thread to arrive while no
batch is being written becomes the leader: it takes every event queued so far, appends them in
order with ``ledger.append`` (one head-row lock, one insert, one head move, one commit) and
wakes the others. Threads that arrive meanwhile queue behind it and the next of them leads the
following batch. So the chain's head is held for the length of one commit per batch rather
than for the whole of each request, and under load the per-event cost of the lock and the
commit is shared. With one request at a time a batch is that request's events alone: the same
one append and one commit as before.

Nothing about what is recorded changes: each event is the guard's decision as it was made,
with its time, and no data of the read leaves the service until the call returns. A batch
that fails as a whole (say the database is unavailable) fails every request in it, and none of
them reveals anything; an event the ledger refuses (``InputError``: a reserved control
character) fails only its own request, because the batch is then retried one request at a time.
Data changes never come here: their events are appended in the transaction of the change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from hippocratic.errors import InputError
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.notary import Notary

MAX_BATCH = 1000
"""Events per transaction at most: a leader leaves the rest to the next batch."""


@dataclass(eq=False)
class _Ticket:
    organisation: str
    events: Sequence[AuditEvent]
    notary: Notary | None
    seq: int = 0
    error: BaseException | None = None
    done: bool = False


@dataclass(eq=False)
class GroupCommit:
    """One per store and process; ``append`` is safe to call from any number of threads."""

    sessions: sessionmaker[Session]
    max_batch: int = MAX_BATCH
    batches: int = 0
    """Batches committed by this process, for the benchmark and the tests."""
    _queue: list[_Ticket] = field(default_factory=list)
    _writing: bool = False
    _turn: threading.Condition = field(default_factory=threading.Condition)

    def append(
        self, organisation: str, events: Sequence[AuditEvent], notary: Notary | None = None
    ) -> int:
        """Append ``events`` to ``organisation``'s chain and return once they are committed;
        returns the last event's seq. Raises what the append raised, and nothing is recorded
        of these events then."""
        if not events:
            return 0
        ticket = _Ticket(organisation, events, notary)
        with self._turn:
            self._queue.append(ticket)
            while self._writing and not ticket.done:
                self._turn.wait()
            lead = not ticket.done
            batch = self._take() if lead else []
            self._writing = self._writing or lead
        if lead:
            try:
                self._write(batch)
            finally:
                with self._turn:
                    self._writing = False
                    self._turn.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return ticket.seq

    def _take(self) -> list[_Ticket]:
        """The queued tickets up to ``max_batch`` events (at least one ticket), in order."""
        taken, count = 0, 0
        for ticket in self._queue:
            if taken and count + len(ticket.events) > self.max_batch:
                break
            taken += 1
            count += len(ticket.events)
        batch, self._queue = self._queue[:taken], self._queue[taken:]
        return batch

    def _write(self, batch: list[_Ticket]) -> None:
        try:
            self._commit(batch)
        except InputError:
            for ticket in batch:  # find the refused event's request; the others still commit
                self._settle([ticket])
        except BaseException as exc:
            for ticket in batch:
                ticket.error = exc
        finally:
            for ticket in batch:
                ticket.done = True

    def _settle(self, batch: list[_Ticket]) -> None:
        try:
            self._commit(batch)
        except BaseException as exc:
            for ticket in batch:
                ticket.error = exc

    def _commit(self, batch: list[_Ticket]) -> None:
        """One transaction for the whole batch: per organisation (in the order they came),
        one append of all its tickets' events; each ticket learns its last seq."""
        by_organisation: dict[str, list[_Ticket]] = {}
        for ticket in batch:
            by_organisation.setdefault(ticket.organisation, []).append(ticket)
        ends: dict[int, int] = {}
        with self.sessions.begin() as session:
            for organisation, tickets in by_organisation.items():
                events = [event for ticket in tickets for event in ticket.events]
                last = append(session, organisation, events, tickets[0].notary)
                for ticket in reversed(tickets):
                    ends[id(ticket)] = last
                    last -= len(ticket.events)
        for ticket in batch:
            ticket.seq = ends[id(ticket)]
        self.batches += 1

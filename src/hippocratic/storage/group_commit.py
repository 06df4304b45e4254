"""Group commit of audit events: the events of reads made at the same moment by several
threads of one process go into the chain in one transaction and one durable commit, and each
thread returns only once its own events are committed.

A read (``GroupCommit.read``) that finds no batch being written leads: it decides and fetches
in a write transaction, and before committing appends its own events and every event queued
while it ran (one head-row lock, one insert, one head move, one commit), then wakes their
threads. So a read alone costs one transaction, as it always has. A read that arrives while a
batch is being written decides and fetches in a transaction that takes no write lock
(``database.reading``), then queues its events (``append``) and waits; the next of the waiting
threads to find the ledger free writes everything queued by then. Under load the chain's head
is held for one commit per batch rather than for the whole of each request, and the cost of
the lock and the commit is shared.

Nothing about what is recorded changes: each event is the guard's decision as it was made,
with its time, and no data of the read leaves the service until the call returns. A batch
that fails as a whole (say the database is unavailable) fails every request in it, and none of
them reveals anything; an event the ledger refuses (``InputError``: a reserved control
character) fails only its own request, because the batch is then retried one request at a time.
Data changes never come here: their events are appended in the transaction of the change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.errors import InputError
from hippocratic.storage.database import reading
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.notary import Notary

T = TypeVar("T")
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
    """One per store and process; ``read`` and ``append`` are safe from any number of threads."""

    sessions: sessionmaker[Session]
    engine: Engine
    max_batch: int = MAX_BATCH
    batches: int = 0
    """Batches committed by this process, for the benchmark and the tests."""
    _queue: list[_Ticket] = field(default_factory=list)
    _writing: bool = False
    _turn: threading.Condition = field(default_factory=threading.Condition)

    def read(
        self,
        organisation: str,
        work: Callable[[Session], tuple[Sequence[AuditEvent], T]],
        notary: Notary | None = None,
    ) -> T:
        """Run ``work`` (it decides and fetches, and returns the events to record with its
        result), commit its events, and only then return its result.

        When no batch is being written, ``work`` runs in a write transaction that also
        appends its events and every event queued while it ran: one transaction, as a read
        alone has always taken. Otherwise it runs in a transaction that takes no write lock,
        and its events wait for the next batch (``append``)."""
        with self._turn:
            lead = not self._writing
            self._writing = True
        if not lead:
            with reading(self.engine) as session:
                events, value = work(session)
            self.append(organisation, events, notary)
            return value
        own = _Ticket(organisation, (), notary)
        batch: list[_Ticket] = []
        try:
            with self.sessions.begin() as session:
                events, value = work(session)
                own.events = events
                with self._turn:
                    batch = self._take()
                try:
                    self._append(session, [own, *batch])
                except InputError as exc:
                    raise _Refused from exc
            self.batches += 1
        except _Refused:
            for ticket in (own, *batch):  # find the refused request; the others still commit
                self._settle([ticket])
            if own.error is not None:
                raise own.error from None
        except BaseException as exc:
            for ticket in batch:
                ticket.error = exc
            raise
        finally:
            for ticket in batch:
                ticket.done = True
            with self._turn:
                self._writing = False
                self._turn.notify_all()
        return value

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
        """The queued tickets up to ``max_batch`` events (at least one, if any), in order."""
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
        with self.sessions.begin() as session:
            self._append(session, batch)
        self.batches += 1

    def _append(self, session: Session, batch: list[_Ticket]) -> None:
        """Per organisation (in the order they came), one append of all its tickets' events;
        each ticket learns its last seq (final once the transaction commits)."""
        by_organisation: dict[str, list[_Ticket]] = {}
        for ticket in batch:
            if ticket.events:
                by_organisation.setdefault(ticket.organisation, []).append(ticket)
        for organisation, tickets in by_organisation.items():
            events = [event for ticket in tickets for event in ticket.events]
            last = append(session, organisation, events, tickets[0].notary)
            for ticket in reversed(tickets):
                ticket.seq = last
                last -= len(ticket.events)


class _Refused(Exception):
    """The ledger refused an event of the batch (``InputError``): its transaction is rolled
    back and each request is then tried alone."""

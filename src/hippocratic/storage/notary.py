"""Signing an organisation's chain head on a count and on time, and having each checkpoint
witnessed outside the data database once it has committed.

A checkpoint is due at every ``CHECKPOINT_EVERY``-th event (``ledger.append``) and at the end
of any append whose last event is dated ``interval`` (a minute) or more after the latest
checkpoint this process knows of, so the unsigned tail stays under 1,000 events and about a
minute. The time check costs a subtraction on the append path: the notary remembers the latest
checkpoint time it has seen committed, and reads it from the database once per organisation.
What it remembers is never later than the newest checkpoint in the database, so an honest
chain always satisfies the rule ``ledger_verify`` checks: no event after the last checkpoint is
dated ``interval`` or more after the newest signed time. A tail that goes quiet stays unsigned
until the next append, or until ``audit witness`` signs it.

Witnesses are written after the data transaction commits (a SQLAlchemy ``after_commit`` hook),
never before: a witness must not hold a checkpoint the database then rolls back. A crash
between the two, or a witness that fails, leaves that checkpoint in the database alone (logged),
which weakens nothing that was there before. Any rollback in the transaction, of a savepoint
too, drops the checkpoints waiting to be witnessed: losing a witness entry is safe, holding one
the database never kept would be a false alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from hippocratic.storage.witness import Checkpoint, Witness

CHECKPOINT_EVERY = 1000
CHECKPOINT_INTERVAL = timedelta(minutes=1)
_PENDING = "hippocratic.checkpoints_to_witness"
_UNREAD = object()
log = logging.getLogger("hippocratic.audit")


class Notary:
    """Signs chain heads with an organisation's Ed25519 key (kept by the vault, in the key
    store, never in the data database) and hands committed checkpoints to its witnesses."""

    def __init__(
        self,
        key: Ed25519PrivateKey,
        witnesses: Sequence[Witness] = (),
        *,
        interval: timedelta = CHECKPOINT_INTERVAL,
    ) -> None:
        self.key = key
        self.witnesses = tuple(witnesses)
        self.interval = interval
        self._latest: dict[str, Any] = {}
        """Per organisation: the latest checkpoint time seen committed (None: there is none)."""

    def sign(self, organisation: str, seq: int, head: bytes, at: datetime) -> Checkpoint:
        return Checkpoint.signed(self.key, organisation, seq, head, at)

    def due(
        self,
        session: Session,
        organisation: str,
        at: datetime,
        read_latest: Callable[[], datetime | None],
        signed: Sequence[Checkpoint] = (),
    ) -> bool:
        """Is a checkpoint due for an append whose last event is dated ``at``? ``signed``: the
        checkpoints this append has already signed; ``read_latest`` is asked once per
        organisation for the newest checkpoint time in the database."""
        latest = self._latest.get(organisation, _UNREAD)
        if latest is _UNREAD:
            latest = self._latest[organisation] = read_latest()
        times = [c.signed_at for c in signed]
        times += [c.signed_at for c in _waiting(session, self) if c.organisation == organisation]
        if latest is not None:
            times.append(latest)
        return not times or at - max(times) >= self.interval

    def witness_on_commit(self, session: Session, checkpoints: Sequence[Checkpoint]) -> None:
        """Hand ``checkpoints`` (written in the session's transaction) to the witnesses once it
        commits; forget them if anything in it rolls back."""
        if checkpoints:
            session.info.setdefault(_PENDING, []).append((self, list(checkpoints)))

    def witness(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Give committed checkpoints to every witness; a failing witness is logged, not raised
        (the data change they certify is committed already)."""
        for checkpoint in checkpoints:
            known = self._latest.get(checkpoint.organisation)
            if not isinstance(known, datetime) or checkpoint.signed_at > known:
                self._latest[checkpoint.organisation] = checkpoint.signed_at
        for witness in self.witnesses:
            try:
                witness.record(checkpoints)
            except Exception:  # any failure: the checkpoints stay in the database alone
                log.exception(
                    "%s could not keep %d audit checkpoint(s)", witness.name, len(checkpoints)
                )


def _waiting(session: Session, notary: Notary) -> list[Checkpoint]:
    pending = session.info.get(_PENDING)
    if not pending:
        return []
    return [c for owner, checkpoints in pending if owner is notary for c in checkpoints]


def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction has not committed yet
    pending = session.info.pop(_PENDING, None)
    for notary, checkpoints in pending or ():
        notary.witness(checkpoints)


def _rolled_back(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_PENDING, None)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


event.listen(Session, "after_commit", _committed)
event.listen(Session, "after_soft_rollback", _rolled_back)
event.listen(Session, "after_transaction_end", _ended)

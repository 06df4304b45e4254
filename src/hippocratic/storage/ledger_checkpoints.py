"""The checkpoints an honest chain must have, and what verification concludes when one is not
there.

Three rules, each met by every chain ``ledger.append`` writes:

* **on a count**: every ``CHECKPOINT_EVERY``-th event has a checkpoint in the database;
* **witnessed**: every checkpoint a witness holds (``witness``) is in the database too, with
  the same hash, and the chain reaches it;
* **on time**: no event after the last checkpoint is dated ``CHECKPOINT_INTERVAL`` or more after
  the newest signed time, since an append signs the head once that much time has passed
  (``notary``). Only times under a signature count (checkpoints signed before #17 carry an
  unsigned time), and the rule applies once the chain has such a checkpoint.

Someone who can write the data database but not the key store or the witness file can still
drop or rewrite the unsigned tail (after the newest witnessed checkpoint, fewer than 1,000
events dated within its minute): nothing outside the database has seen those events yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.witness import Checkpoint


@dataclass(frozen=True)
class Witnessed:
    """A checkpoint as a witness outside the database holds it."""

    by: str
    """The witness, as a sentence names it: "the key store", "the witness file ..."."""
    checkpoint: Checkpoint


@dataclass(frozen=True)
class Gap:
    """A checkpoint that should be there and is not: at ``seq``, for ``reason``."""

    seq: int
    reason: str


def short(digest: bytes) -> str:
    """A hash as messages show it: its first 16 hex digits."""
    return digest.hex()[:16]


def missing(
    verified: int,
    signed: Mapping[int, bytes],
    held: Mapping[int, Witnessed],
    every: int,
) -> Gap | None:
    """The first checkpoint among events 1..``verified`` that a count or a witness says the
    database should hold, and does not (or holds with another hash)."""
    gaps: list[Gap] = []
    for seq, witnessed in held.items():
        if seq > verified:
            continue
        hash_there = signed.get(seq)
        if hash_there is None:
            gaps.append(
                Gap(
                    seq,
                    f"the signed checkpoint at event {seq} is missing from the database: "
                    f"{witnessed.by} holds it (event {seq}, head hash "
                    f"{short(witnessed.checkpoint.hash)})",
                )
            )
        elif hash_there != witnessed.checkpoint.hash:
            gaps.append(
                Gap(
                    seq,
                    f"the database's checkpoint at event {seq} (hash {short(hash_there)}) "
                    f"differs from the one {witnessed.by} holds "
                    f"({short(witnessed.checkpoint.hash)})",
                )
            )
    counted = next((seq for seq in range(every, verified + 1, every) if seq not in signed), None)
    if counted is not None:
        gaps.append(
            Gap(
                counted,
                f"the signed checkpoint at event {counted} is missing: one is signed at every "
                f"{every:,}th event (it was deleted)",
            )
        )
    return min(gaps, key=lambda gap: gap.seq) if gaps else None


def unsigned_tail(
    session: Session,
    organisation: str,
    after: int,
    newest: Checkpoint | None,
    interval: timedelta,
) -> Gap | None:
    """The first event after checkpoint ``after`` that an honest append would have signed: one
    dated ``interval`` or more after ``newest``, the checkpoint with the latest signed time."""
    if newest is None:
        return None
    rows = session.execute(
        select(AuditEventRow.seq, AuditEventRow.at)
        .where(AuditEventRow.organisation_id == organisation, AuditEventRow.seq > after)
        .order_by(AuditEventRow.seq)
    )
    for seq, at in rows:
        try:
            dated = datetime.fromisoformat(at)
            late = dated.utcoffset() is None or dated - newest.signed_at >= interval
        except (TypeError, ValueError):
            late, dated = True, None
        if late:
            when = dated.isoformat() if dated else repr(at)
            return Gap(
                seq,
                f"the checkpoint due with event {seq} is missing: it is dated {when}, "
                f"{_minutes(interval)} or more after the newest signed checkpoint (event "
                f"{newest.seq}, {newest.signed_at.isoformat()}), and an append signs the head "
                "once that much time has passed, so the ledger did not write it (an event "
                "added or rewritten outside the ledger)",
            )
    return None


def newest_dated(checkpoints: Sequence[Checkpoint]) -> Checkpoint | None:
    return max(checkpoints, key=lambda checkpoint: checkpoint.signed_at, default=None)


def _minutes(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    if seconds % 60 == 0:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} seconds"

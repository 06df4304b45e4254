"""Verifying an organisation's audit chain, naming the first bad event and what is wrong.

The chain is read back in batches (``ledger_scan``) and each batch gets the fast check; only a
batch that fails is walked event by event, to name the failure. A long chain can first be
checked by several processes at once (``ledger_spans``): if every span is intact and they
stitch together, the chain is; if not, the single walk names the first bad event exactly as
ever.

The chain is checked against every signed checkpoint in the database and every one a witness
outside it holds (``witness``), and the checkpoints an honest chain must have are required
(``ledger_checkpoints``): so cutting the tail off, rewinding the head, rewriting events with
their hashes recomputed, or deleting checkpoints, fails even for someone who can write the
whole data database, back to the newest checkpoint a witness holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from hashlib import sha256
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import AuditCheckpointRow, AuditHeadRow, genesis
from hippocratic.storage.ledger_checkpoints import (
    Witnessed,
    missing,
    newest_dated,
    short,
    unsigned_tail,
)
from hippocratic.storage.ledger_scan import batches, intact
from hippocratic.storage.ledger_spans import check_in_parallel
from hippocratic.storage.notary import CHECKPOINT_EVERY, CHECKPOINT_INTERVAL
from hippocratic.storage.witness import Checkpoint, Seal

PARALLEL_FROM = 200_000
"""Chains shorter than this are walked in one process whatever ``workers`` says: starting
worker processes costs more than it saves."""


class Problem(StrEnum):
    """What verification found wrong with the first bad event."""

    EDITED = "edited"
    """The event's columns, or its stored hashes, no longer match its hash."""
    MISSING = "missing"
    """The event is not there: deleted, or later events were renumbered."""
    OUT_OF_PLACE = "out_of_place"
    """The event is intact but does not follow the one before it: reordered or inserted."""
    BEYOND_HEAD = "beyond_head"
    """The event lies past the chain head: added outside the ledger."""
    TRUNCATED = "truncated"
    """The chain ends before its head or a signed checkpoint (in the database or a witness):
    the tail was cut off."""
    CHECKPOINT = "checkpoint"
    """A checkpoint is not signed by the organisation's key, or differs from the chain."""
    CHECKPOINT_MISSING = "checkpoint_missing"
    """A checkpoint an honest chain has is not in the database: at a 1,000th event, one a
    witness holds, or the one due a minute after the last."""
    CONSENT = "consent"
    """The consent ledger does not match the audit events it is bound to (``consent_verify``)."""


@dataclass(frozen=True)
class VerifyResult:
    organisation: str
    count: int
    """Events verified intact before the first bad one (all of them when ``ok``)."""
    first_bad_seq: int | None = None
    kind: Problem | None = None
    problem: str | None = None
    signed_to: int = 0
    """The newest signed checkpoint the chain was checked against (database or witness)."""
    witnessed_to: int = 0
    """The newest checkpoint a witness outside the database holds."""
    rollbacks: tuple[str, ...] = ()
    """Each signed restore of older data that rolled the chain back (``ledger_rollback``)."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    session: Session,
    organisation: str,
    public_key: Ed25519PublicKey | None,
    *,
    witnessed: Sequence[Witnessed] = (),
    checkpoint_every: int = CHECKPOINT_EVERY,
    interval: timedelta = CHECKPOINT_INTERVAL,
    workers: int = 1,
    parallel_from: int = PARALLEL_FROM,
) -> VerifyResult:
    """Walk the whole chain against its checkpoints and the ``witnessed`` ones; with
    ``public_key``, every signature is checked and the time rule applies (``ledger_checkpoints``).

    Give ``session`` one consistent view (``storage.database.snapshot``), or events appended
    while verification runs may be reported as lying beyond the head; read the witnesses
    before it starts, so that none holds a checkpoint the view is too old to have.
    ``workers`` > 1 checks a chain of at least ``parallel_from`` events in that many processes.
    """
    rows = [
        Checkpoint(organisation, row.seq, bytes(row.hash), row.signed_at, bytes(row.signature))
        for row in session.scalars(
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.organisation_id == organisation)
            .order_by(AuditCheckpointRow.seq)
        )
    ]
    sealed = _sealed(organisation, rows, witnessed, public_key)
    if isinstance(sealed, VerifyResult):
        return sealed
    dated, held = sealed
    signed = {checkpoint.seq: checkpoint.hash for checkpoint in rows}
    required = {**signed, **{seq: w.checkpoint.hash for seq, w in held.items()}}
    head = session.execute(
        select(AuditHeadRow.seq, AuditHeadRow.hash).where(
            AuditHeadRow.organisation_id == organisation
        )
    ).first()
    head_seq, head_hash = (head[0], bytes(head[1])) if head else (0, genesis(organisation))
    result = _walk(
        session, organisation, (head_seq, head_hash), required, held, workers, parallel_from
    )
    bound = result.count if result.ok else (result.first_bad_seq or 1) - 1
    gap = missing(bound, signed, held, checkpoint_every)
    if gap is None and result.ok and public_key is not None:
        gap = unsigned_tail(
            session, organisation, max(required, default=0), newest_dated(dated), interval
        )
    if gap is not None:
        return VerifyResult(
            organisation, gap.seq - 1, gap.seq, Problem.CHECKPOINT_MISSING, gap.reason
        )
    if not result.ok:
        return result
    return VerifyResult(
        organisation,
        result.count,
        signed_to=max(required, default=0),
        witnessed_to=max(held, default=0),
    )


def _sealed(
    organisation: str,
    rows: Sequence[Checkpoint],
    witnessed: Sequence[Witnessed],
    key: Ed25519PublicKey | None,
) -> VerifyResult | tuple[list[Checkpoint], dict[int, Witnessed]]:
    """Every checkpoint's signature checked (a witness's copy of a database checkpoint once):
    the first forged one as the verdict, else the checkpoints whose time is signed, and the
    witnessed ones by seq."""
    seals = {row: row.seal(key) if key else Seal.UNDATED for row in rows}
    forged = next((row.seq for row, seal in seals.items() if seal is Seal.FORGED), None)
    if forged is not None:
        return VerifyResult(
            organisation,
            0,
            forged,
            Problem.CHECKPOINT,
            f"the checkpoint at event {forged} is not signed by this organisation's key",
        )
    held: dict[int, Witnessed] = {}
    for item in sorted(witnessed, key=lambda w: w.checkpoint.seq):
        checkpoint = item.checkpoint
        if checkpoint not in seals:
            seals[checkpoint] = checkpoint.seal(key) if key else Seal.UNDATED
        if seals[checkpoint] is Seal.FORGED:
            return VerifyResult(
                organisation,
                0,
                checkpoint.seq,
                Problem.CHECKPOINT,
                f"the checkpoint at event {checkpoint.seq} that {item.by} holds is not signed "
                "by this organisation's key",
            )
        other = held.setdefault(checkpoint.seq, item)
        if other.checkpoint.hash != checkpoint.hash:
            return VerifyResult(
                organisation,
                0,
                checkpoint.seq,
                Problem.CHECKPOINT,
                f"{other.by} and {item.by} hold different signed checkpoints at event "
                f"{checkpoint.seq}: the organisation's key signed two chains",
            )
    return [c for c, seal in seals.items() if seal is Seal.DATED], held


def _walk(
    session: Session,
    organisation: str,
    head: tuple[int, bytes],
    required: dict[int, bytes],
    held: Mapping[int, Witnessed],
    workers: int,
    parallel_from: int,
) -> VerifyResult:
    """The chain checked event by event (or span by span) against ``required`` checkpoints."""
    head_seq, head_hash = head
    if workers > 1 and head_seq >= parallel_from:
        last = check_in_parallel(session, organisation, head_seq, required, workers)
        if last is not None:
            return _ending(organisation, head_seq, last, head_seq, head_hash, required, held)
    previous, expected = genesis(organisation), 1
    for batch in batches(session, organisation):
        if intact(batch, previous, expected, head_seq, required):
            previous, expected = batch[-1][3], batch[-1][0] + 1
            continue
        return _first_problem(batch, previous, expected, head_seq, required, held, organisation)
    return _ending(organisation, expected - 1, previous, head_seq, head_hash, required, held)


def _ending(
    organisation: str,
    count: int,
    last_hash: bytes,
    head_seq: int,
    head_hash: bytes,
    checkpoints: Mapping[int, bytes],
    held: Mapping[int, Witnessed],
) -> VerifyResult:
    """The verdict once events 1..``count`` are known intact: does the chain end where its
    head and its signed checkpoints say it does?"""
    if head_seq > count:
        return VerifyResult(
            organisation,
            count,
            count + 1,
            Problem.TRUNCATED,
            f"event {count + 1} is missing: the chain ends at event {count} but its head "
            f"says {head_seq} (events were removed from the end)",
        )
    if head_hash != last_hash:
        return VerifyResult(
            organisation,
            count,
            count + 1,
            Problem.TRUNCATED,
            f"event {count + 1} is missing: the chain head does not match event {count} "
            "(events were removed from the end and the head rewound)",
        )
    beyond = max((seq for seq in checkpoints if seq > count), default=None)
    if beyond is None:
        return VerifyResult(organisation, count)
    ends = (
        "the database holds no events of this organisation"
        if count == 0
        else f"the database's chain ends at event {count} (head hash {short(last_hash)})"
    )
    witness = held.get(max((seq for seq in held if seq > count), default=-1))
    covers = (
        f"{witness.by} holds a signed checkpoint at event {witness.checkpoint.seq} (head "
        f"hash {short(witness.checkpoint.hash)}) but {ends}"
        if witness is not None
        else f"a signed checkpoint covers event {beyond} but the chain ends at {count}"
    )
    return VerifyResult(
        organisation,
        count,
        count + 1,
        Problem.TRUNCATED,
        f"event {count + 1} is missing: {covers} (the tail was cut off)",
    )


def _first_problem(
    batch: list[tuple[Any, ...]],
    previous: bytes,
    expected: int,
    head_seq: int,
    checkpoints: dict[int, bytes],
    held: Mapping[int, Witnessed],
    organisation: str,
) -> VerifyResult:
    """Walk a batch that failed the fast check, event by event, and name the first bad one."""
    for seq, prev, linked, stored in batch:
        found: tuple[int, Problem, str] | None = None
        if seq != expected:
            found = (
                expected,
                Problem.MISSING,
                (
                    f"event {expected} is missing: the next event is {seq} "
                    "(deleted, or events were renumbered)"
                ),
            )
        elif seq > head_seq:
            found = (
                seq,
                Problem.BEYOND_HEAD,
                (
                    f"event {seq} is beyond the chain head ({head_seq}): "
                    "it was added outside the ledger"
                ),
            )
        elif (
            not isinstance(prev, bytes)
            or not isinstance(linked, bytes)
            or not isinstance(stored, bytes)
            or sha256(linked).digest() != stored
        ):
            found = seq, Problem.EDITED, f"event {seq} does not match its hash: it was edited"
        elif prev != previous:
            found = (
                seq,
                Problem.OUT_OF_PLACE,
                (
                    f"event {seq} does not follow event {seq - 1}: events were reordered, "
                    "or one was inserted or removed before it"
                ),
            )
        elif seq in checkpoints and checkpoints[seq] != stored:
            return _rewritten(organisation, seq, stored, checkpoints, held)
        if found is not None:
            return VerifyResult(organisation, expected - 1, *found)
        previous, expected = stored, expected + 1
    raise AssertionError("a batch failed the fast check but no event in it is bad")


def _rewritten(
    organisation: str,
    seq: int,
    stored: bytes,
    checkpoints: Mapping[int, bytes],
    held: Mapping[int, Witnessed],
) -> VerifyResult:
    """Event ``seq`` is well linked but differs from its checkpoint: some event since the
    checkpoint before was changed and every hash after it recomputed."""
    since = max((other for other in checkpoints if other < seq), default=0)
    where = held[seq].by if seq in held else "the database"
    return VerifyResult(
        organisation,
        since,
        seq,
        Problem.CHECKPOINT,
        f"event {seq} differs from the signed checkpoint {where} holds (head hash "
        f"{short(checkpoints[seq])}; the database's event {seq} has {short(stored)}): an event "
        f"from {since + 1} to {seq} was changed and the hashes after it recomputed",
    )

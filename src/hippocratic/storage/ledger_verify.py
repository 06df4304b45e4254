"""Verifying an organisation's audit chain, naming the first bad event and what is wrong.

The chain is read back in batches (``ledger_scan``) and each batch gets the fast check; only a
batch that fails is walked event by event, to name the failure. A long chain can first be
checked by several processes at once (``ledger_spans``): if every span is intact and they
stitch together, the chain is; if not, the single walk names the first bad event exactly as
ever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import (
    AuditCheckpointRow,
    AuditHeadRow,
    checkpoint_message,
    genesis,
)
from hippocratic.storage.ledger_scan import batches, intact
from hippocratic.storage.ledger_spans import check_in_parallel

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
    """The chain ends before its head or a signed checkpoint: the tail was cut off."""
    CHECKPOINT = "checkpoint"
    """A checkpoint is not signed by the organisation's key, or differs from the chain."""
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

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    session: Session,
    organisation: str,
    public_key: Ed25519PublicKey | None,
    *,
    workers: int = 1,
    parallel_from: int = PARALLEL_FROM,
) -> VerifyResult:
    """Walk the whole chain; ``public_key`` also checks every checkpoint's signature.

    Give ``session`` one consistent view (``storage.database.snapshot``), or events appended
    while verification runs may be reported as lying beyond the head. ``workers`` > 1 checks a
    chain of at least ``parallel_from`` events in that many processes.
    """
    rows = session.scalars(
        select(AuditCheckpointRow)
        .where(AuditCheckpointRow.organisation_id == organisation)
        .order_by(AuditCheckpointRow.seq)
    ).all()
    forged = next((row.seq for row in rows if _forged(row, organisation, public_key)), None)
    if forged is not None:
        return VerifyResult(
            organisation,
            0,
            forged,
            Problem.CHECKPOINT,
            f"the checkpoint at event {forged} is not signed by this organisation's key",
        )
    checkpoints = {row.seq: bytes(row.hash) for row in rows}
    head = session.execute(
        select(AuditHeadRow.seq, AuditHeadRow.hash).where(
            AuditHeadRow.organisation_id == organisation
        )
    ).first()
    head_seq, head_hash = (head[0], bytes(head[1])) if head else (0, genesis(organisation))
    if workers > 1 and head_seq >= parallel_from:
        last = check_in_parallel(session, organisation, head_seq, checkpoints, workers)
        if last is not None:
            return _ending(organisation, head_seq, last, head_seq, head_hash, checkpoints)
    previous, expected = genesis(organisation), 1
    for batch in batches(session, organisation):
        if intact(batch, previous, expected, head_seq, checkpoints):
            previous, expected = batch[-1][3], batch[-1][0] + 1
            continue
        return _first_problem(batch, previous, expected, head_seq, checkpoints, organisation)
    return _ending(organisation, expected - 1, previous, head_seq, head_hash, checkpoints)


def _ending(
    organisation: str,
    count: int,
    last_hash: bytes,
    head_seq: int,
    head_hash: bytes,
    checkpoints: Mapping[int, bytes],
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
    beyond = [seq for seq in checkpoints if seq > count]
    if beyond:
        return VerifyResult(
            organisation,
            count,
            count + 1,
            Problem.TRUNCATED,
            f"event {count + 1} is missing: a signed checkpoint covers event {max(beyond)} "
            f"but the chain ends at {count} (the tail was cut off)",
        )
    return VerifyResult(organisation, count)


def _forged(row: AuditCheckpointRow, organisation: str, key: Ed25519PublicKey | None) -> bool:
    if key is None:
        return False
    try:
        key.verify(row.signature, checkpoint_message(organisation, row.seq, bytes(row.hash)))
    except InvalidSignature:
        return True
    return False


def _first_problem(
    batch: list[tuple[Any, ...]],
    previous: bytes,
    expected: int,
    head_seq: int,
    checkpoints: dict[int, bytes],
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
            found = seq, Problem.CHECKPOINT, f"event {seq} differs from the signed checkpoint"
        if found is not None:
            return VerifyResult(organisation, expected - 1, *found)
        previous, expected = stored, expected + 1
    raise AssertionError("a batch failed the fast check but no event in it is bad")

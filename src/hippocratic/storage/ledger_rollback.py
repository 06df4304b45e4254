"""A restore of older data rolls the audit chain back, and says so under the organisation's key.

The witnesses outside the database (``witness``) hold checkpoints of events the restored data
never had: verification would rightly call that a cut-off tail. ``hippocratic restore`` does
not hide it: it signs a rollback statement (organisation, the restored head, the newest event a
witness held before the restore and its hash, when, which backup) with the organisation's audit
key, keeps it in the key store (``keystore.RollbackRow``), and appends a ``store.restored``
event to the restored chain, signed at once.

Verification then sets aside exactly the witnessed checkpoints the statement accounts for (after
the restored head, signed no later than the restore, and not part of the chain the database now
holds), reports the rollback every time it runs, and requires every other checkpoint as ever.
A statement is believed only if the organisation's key signed it: someone who can write the
database, or even the key store, cannot excuse a cut of their own; one who deletes a statement
turns the rollback back into a failure, never into silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, Table, func, inspect, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from hippocratic.storage.keystore import RollbackRow
from hippocratic.storage.ledger_checkpoints import Witnessed, short

TABLE = cast(Table, RollbackRow.__table__)
NO_HASH = bytes(32)


@dataclass(frozen=True)
class Rollback:
    organisation: str
    to_seq: int
    """The restored chain's head: the backup's signed checkpoint."""
    to_hash: bytes
    abandoned_seq: int
    """The newest event a witness held a checkpoint of before the restore (``to_seq`` if none
    lay beyond it)."""
    abandoned_hash: bytes
    restored_at: datetime
    backup_id: str
    signature: bytes = b""

    def message(self) -> bytes:
        when = self.restored_at.astimezone(UTC).isoformat()
        text = (
            f"hippocratic-audit-rollback/1\x1f{self.organisation}\x1f{self.to_seq}\x1f"
            f"{self.abandoned_seq}\x1f{when}\x1f{self.backup_id}\x1f"
        )
        return text.encode() + self.to_hash + self.abandoned_hash

    def signed(self, key: Ed25519PrivateKey) -> Rollback:
        unsigned = Rollback(
            self.organisation, self.to_seq, self.to_hash, self.abandoned_seq,
            self.abandoned_hash, self.restored_at.astimezone(UTC), self.backup_id,
        )  # fmt: skip
        return replace(unsigned, signature=key.sign(unsigned.message()))

    def genuine(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.message())
        except InvalidSignature:
            return False
        return True

    @property
    def lost(self) -> int:
        return max(0, self.abandoned_seq - self.to_seq)

    def sentence(self) -> str:
        when = self.restored_at.astimezone(UTC).isoformat(timespec="seconds")
        if not self.lost:
            return (
                f"restored on {when} from backup {self.backup_id} at event {self.to_seq}; no "
                "witnessed event was lost"
            )
        return (
            f"rolled back on {when} to event {self.to_seq} (head hash {short(self.to_hash)}) "
            f"from backup {self.backup_id}: events {self.to_seq + 1} to {self.abandoned_seq} "
            f"(head hash {short(self.abandoned_hash)}), which witnesses had seen, were lost"
        )


def record(engine: Engine, rollback: Rollback) -> None:
    """Keep a signed statement in the key store (the table is made at first use)."""
    if not inspect(engine).has_table(TABLE.name):
        try:
            TABLE.create(engine)
        except DatabaseError:  # another process created it at the same moment
            if not inspect(engine).has_table(TABLE.name):
                raise
    with Session(engine) as session, session.begin():
        last = session.scalar(
            select(func.max(RollbackRow.entry)).where(
                RollbackRow.organisation_id == rollback.organisation
            )
        )
        session.add(
            RollbackRow(
                organisation_id=rollback.organisation, entry=(last or 0) + 1,
                to_seq=rollback.to_seq, to_hash=rollback.to_hash,
                abandoned_seq=rollback.abandoned_seq, abandoned_hash=rollback.abandoned_hash,
                restored_at=rollback.restored_at, backup_id=rollback.backup_id,
                signature=rollback.signature,
            )
        )  # fmt: skip


def held(engine: Engine, organisation: str | None = None) -> list[Rollback]:
    """The statements the key store keeps (of one organisation, or all), oldest first."""
    if not inspect(engine).has_table(TABLE.name):
        return []
    query = select(RollbackRow).order_by(RollbackRow.organisation_id, RollbackRow.entry)
    if organisation is not None:
        query = query.where(RollbackRow.organisation_id == organisation)
    with Session(engine) as session:
        return [
            Rollback(
                row.organisation_id, row.to_seq, bytes(row.to_hash), row.abandoned_seq,
                bytes(row.abandoned_hash), row.restored_at, row.backup_id, bytes(row.signature),
            )
            for row in session.scalars(query)
        ]  # fmt: skip


def carry_over(engine: Engine, kept: Sequence[Rollback]) -> int:
    """Keep in the key store at ``engine`` (just restored from a backup) each statement of
    ``kept`` (the live key store's, read before) that it lacks; returns how many."""
    there = {(r.organisation, r.signature) for r in held(engine)}
    missing = [r for r in kept if (r.organisation, r.signature) not in there]
    for rollback in missing:
        record(engine, rollback)
    return len(missing)


def set_aside(
    witnessed: Sequence[Witnessed],
    rollbacks: Sequence[Rollback],
    in_database: set[tuple[int, bytes]],
) -> tuple[list[Witnessed], int]:
    """The witnessed checkpoints verification still requires, and how many it sets aside: one
    a genuine rollback accounts for (after its head, signed no later than the restore) that is
    not a checkpoint of the chain the database holds now (``in_database``: seq and hash)."""
    kept: list[Witnessed] = []
    aside = 0
    for item in witnessed:
        checkpoint = item.checkpoint
        abandoned = (checkpoint.seq, checkpoint.hash) not in in_database and any(
            r.organisation == checkpoint.organisation
            and checkpoint.seq > r.to_seq
            and checkpoint.signed_at <= r.restored_at
            for r in rollbacks
        )
        if abandoned:
            aside += 1
        else:
            kept.append(item)
    return kept, aside


__all__ = ["NO_HASH", "Rollback", "carry_over", "held", "record", "set_aside"]

"""Keeping each signed audit checkpoint where a writer of the data database cannot rewrite it.

A hash chain kept only inside the database it protects cannot hold against that database:
whoever can write it can cut the tail off and rewind the head, delete the checkpoints above
it, or rewrite every event after some point and recompute the hashes. So every checkpoint,
once the transaction that wrote it has committed (``notary``), is also handed to witnesses
outside the data database, and ``audit verify`` checks the chain against what they hold:

* ``KeyStoreWitness``: a table in the key store, a database apart from the data (``keystore``);
* ``FileWitness``: JSON lines appended to ``audit-witness.jsonl`` beside the keys, opened
  ``O_APPEND`` and fsync'd, so a line once written is never rewritten by us;
* anything else that satisfies ``Witness``: another server, an object store under a retention
  lock, an RFC 3161 timestamp authority.

A checkpoint's signature covers the organisation, the sequence number, the time it was signed
and the head hash (``message``), so a witness's copy proves itself: a witness can lose a
checkpoint, never invent one. Checkpoints signed before the time was signed too
(``legacy_message``) still verify, but their time is not trusted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, Table, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError

from hippocratic.errors import InputError
from hippocratic.storage.keystore import WitnessedCheckpointRow

WITNESS_FILE = "audit-witness.jsonl"
EXPORT_FORMAT = "hippocratic-audit-witness/1"
_TABLE = cast(Table, WitnessedCheckpointRow.__table__)


def message(organisation: str, seq: int, head: bytes, signed_at: datetime) -> bytes:
    """What a checkpoint's signature covers: organisation, seq, time (UTC) and head hash."""
    when = signed_at.astimezone(UTC).isoformat()
    return f"hippocratic-audit/2\x1f{organisation}\x1f{seq}\x1f{when}\x1f".encode() + head


def legacy_message(organisation: str, seq: int, head: bytes) -> bytes:
    """What a checkpoint signed before #17 covers: no time."""
    return f"hippocratic-audit\x1f{organisation}\x1f{seq}\x1f".encode() + head


class Seal(Enum):
    """What a checkpoint's signature proves, checked against the organisation's public key."""

    FORGED = "forged"
    UNDATED = "undated"
    """Signed over organisation, seq and hash only (before #17): its time is not proven."""
    DATED = "dated"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that event ``seq`` of ``organisation``'s chain has hash ``hash``."""

    organisation: str
    seq: int
    hash: bytes
    signed_at: datetime
    signature: bytes

    @classmethod
    def signed(
        cls, key: Ed25519PrivateKey, organisation: str, seq: int, head: bytes, at: datetime
    ) -> Checkpoint:
        at = at.astimezone(UTC)
        return cls(organisation, seq, head, at, key.sign(message(organisation, seq, head, at)))

    def seal(self, key: Ed25519PublicKey) -> Seal:
        for kind, signed in (
            (Seal.DATED, message(self.organisation, self.seq, self.hash, self.signed_at)),
            (Seal.UNDATED, legacy_message(self.organisation, self.seq, self.hash)),
        ):
            try:
                key.verify(self.signature, signed)
            except InvalidSignature:
                continue
            return kind
        return Seal.FORGED

    def as_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "seq": self.seq,
            "hash": self.hash.hex(),
            "signed_at": self.signed_at.astimezone(UTC).isoformat(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """The checkpoint ``as_json`` wrote; ``ValueError`` for anything else."""
        try:
            organisation, seq = data["organisation"], data["seq"]
            signed_at = datetime.fromisoformat(data["signed_at"])
            found = cls(
                organisation,
                seq,
                bytes.fromhex(data["hash"]),
                signed_at,
                bytes.fromhex(data["signature"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a checkpoint: {exc}") from exc
        if not isinstance(organisation, str) or type(seq) is not int or seq < 1:
            raise ValueError("not a checkpoint: organisation and seq")
        if signed_at.utcoffset() is None or len(found.hash) != 32:
            raise ValueError("not a checkpoint: time without offset, or not a SHA-256 hash")
        return found


class Witness(Protocol):
    """Somewhere signed checkpoints are kept that a writer of the data database cannot rewrite.

    ``record`` is called after the data transaction holding the checkpoints has committed; an
    error it raises is logged and the checkpoints stay in the data database alone."""

    @property
    def name(self) -> str:
        """How a verification result names it: "the key store", "the witness file ..."."""
        ...

    def record(self, checkpoints: Sequence[Checkpoint]) -> None: ...

    def held(self, organisation: str) -> list[Checkpoint]:
        """The organisation's checkpoints this witness holds, in sequence order (an external
        witness may hold only the latest)."""
        ...

    def organisations(self) -> set[str]:
        """Every organisation it holds a checkpoint of (one gone from the database shows)."""
        ...


class FileWitness:
    """Checkpoints as JSON lines appended to one file, fsync'd before ``record`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return f"the witness file {self.path}"

    def record(self, checkpoints: Sequence[Checkpoint]) -> None:
        lines = "".join(_line(checkpoint) for checkpoint in checkpoints).encode()
        created = not self.path.exists()
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(descriptor).st_size
            if size and os.pread(descriptor, 1, size - 1) != b"\n":
                lines = b"\n" + lines  # a write cut short by a crash stays a line of its own
            while lines:
                lines = lines[os.write(descriptor, lines) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            _sync_directory(self.path.parent)

    def held(self, organisation: str) -> list[Checkpoint]:
        found = [c for c in self._read() if c.organisation == organisation]
        return sorted(found, key=lambda checkpoint: checkpoint.seq)

    def organisations(self) -> set[str]:
        return {checkpoint.organisation for checkpoint in self._read()}

    def _read(self) -> list[Checkpoint]:
        """Every line that is a checkpoint. A line that is not (a write cut short) is skipped:
        skipping can only lose a checkpoint, and a forged one fails its signature."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            try:
                found.append(Checkpoint.from_json(json.loads(line)))
            except ValueError:
                continue
        return found


class KeyStoreWitness:
    """Checkpoints in the key store's ``audit_witness`` table (created at first use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ready = False

    @property
    def name(self) -> str:
        return "the key store"

    def record(self, checkpoints: Sequence[Checkpoint]) -> None:
        if not self._ready:
            try:
                _TABLE.create(self.engine, checkfirst=True)
            except DatabaseError:  # another process created it at the same moment
                if not self._exists():
                    raise
            self._ready = True
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(_TABLE).on_conflict_do_nothing()
        rows = [
            {
                "organisation_id": c.organisation,
                "seq": c.seq,
                "hash": c.hash,
                "signed_at": c.signed_at,
                "signature": c.signature,
            }
            for c in checkpoints
        ]
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def held(self, organisation: str) -> list[Checkpoint]:
        if not self._exists():
            return []
        query = (
            select(_TABLE.c.seq, _TABLE.c.hash, _TABLE.c.signed_at, _TABLE.c.signature)
            .where(_TABLE.c.organisation_id == organisation)
            .order_by(_TABLE.c.seq)
        )
        with self.engine.connect() as connection:
            return [
                Checkpoint(organisation, seq, bytes(digest), signed_at, bytes(signature))
                for seq, digest, signed_at, signature in connection.execute(query)
            ]

    def organisations(self) -> set[str]:
        if not self._exists():
            return set()
        with self.engine.connect() as connection:
            return set(connection.scalars(select(_TABLE.c.organisation_id).distinct()))

    def _exists(self) -> bool:
        self._ready = self._ready or inspect(self.engine).has_table(_TABLE.name)
        return self._ready


def standing_witnesses(key_engine: Engine, keys_dir: Path | None) -> tuple[Witness, ...]:
    """The key store, and the witness file beside the keys when there is a key directory."""
    if keys_dir is None or not keys_dir.is_dir():
        return (KeyStoreWitness(key_engine),)
    return KeyStoreWitness(key_engine), FileWitness(keys_dir / WITNESS_FILE)


def export(
    checkpoints: Iterable[Checkpoint], keys: Mapping[str, Ed25519PublicKey], at: datetime
) -> dict[str, Any]:
    """A document a DPO can keep elsewhere: each checkpoint with its organisation's public key,
    so anyone can check the signature without the store."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": at.astimezone(UTC).isoformat(),
        "checkpoints": [
            {
                **checkpoint.as_json(),
                "public_key": keys[checkpoint.organisation]
                .public_bytes(Encoding.Raw, PublicFormat.Raw)
                .hex(),
            }
            for checkpoint in checkpoints
        ],
    }


def read_export(text: str, where: str) -> list[Checkpoint]:
    """The checkpoints of a document ``export`` wrote; ``InputError`` for anything else."""
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not a {EXPORT_FORMAT} document")
        return [Checkpoint.from_json(item) for item in document["checkpoints"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{where} is not an exported audit checkpoint: {exc}",
            field="against",
            hint="give a file written by `hippocratic audit witness --out FILE`",
        ) from exc


def _line(checkpoint: Checkpoint) -> str:
    return json.dumps(checkpoint.as_json(), separators=(",", ":")) + "\n"


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""Witnesses outside the data database: a checkpoint proves itself, the witness file only ever
grows, the key store keeps every checkpoint (its table made at first use in an older key store),
and an exported checkpoint reads back."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, inspect

from hippocratic.errors import InputError
from hippocratic.storage.keystore import KeyBase, open_key_engine
from hippocratic.storage.witness import (
    Checkpoint,
    FileWitness,
    KeyStoreWitness,
    Seal,
    export,
    legacy_message,
    read_export,
)

KEY = Ed25519PrivateKey.generate()
AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def signed(seq: int, organisation: str = "harmonic") -> Checkpoint:
    return Checkpoint.signed(KEY, organisation, seq, bytes([seq]) * 32, AT + timedelta(seconds=seq))


def test_a_checkpoint_signs_its_time_and_proves_itself() -> None:
    checkpoint = signed(7)
    public = KEY.public_key()
    assert checkpoint.seal(public) is Seal.DATED
    assert replace(checkpoint, signed_at=AT + timedelta(days=1)).seal(public) is Seal.FORGED
    assert replace(checkpoint, hash=b"\0" * 32).seal(public) is Seal.FORGED
    assert checkpoint.seal(Ed25519PrivateKey.generate().public_key()) is Seal.FORGED
    legacy = replace(checkpoint, signature=KEY.sign(legacy_message("harmonic", 7, checkpoint.hash)))
    assert legacy.seal(public) is Seal.UNDATED  # signed before #17: no time under it
    assert Checkpoint.from_json(json.loads(json.dumps(checkpoint.as_json()))) == checkpoint


def test_the_witness_file_only_grows_is_owner_only_and_survives_a_cut_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit-witness.jsonl"
    witness = FileWitness(path)
    assert witness.held("harmonic") == []
    witness.record([signed(1), signed(2, "harmony")])
    first = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("ab") as file:
        file.write(b'{"organisation":"harmonic","seq":3,"ha')  # a crash in the middle of a line
    witness.record([signed(4)])
    assert path.read_bytes().startswith(first)  # nothing written is ever rewritten
    assert [c.seq for c in witness.held("harmonic")] == [1, 4]
    assert witness.held("harmony") == [signed(2, "harmony")]
    assert witness.organisations() == {"harmonic", "harmony"}


@pytest.fixture
def key_engine(database_url: str) -> Iterator[Engine]:
    """A key store as stores made before #17 have it: every table but ``audit_witness``."""
    engine = open_key_engine(database_url)
    KeyBase.metadata.create_all(
        engine, tables=[t for t in KeyBase.metadata.sorted_tables if t.name != "audit_witness"]
    )
    yield engine
    engine.dispose()


def test_the_key_store_keeps_every_checkpoint_once_in_a_table_made_at_first_use(
    key_engine: Engine,
) -> None:
    witness = KeyStoreWitness(key_engine)
    assert (witness.held("harmonic"), witness.organisations()) == ([], set())
    witness.record([signed(2), signed(1), signed(5, "harmony")])
    witness.record([signed(2)])  # recorded again (a retried commit hook): kept once
    assert inspect(key_engine).has_table("audit_witness")
    assert witness.held("harmonic") == [signed(1), signed(2)]
    assert KeyStoreWitness(key_engine).organisations() == {"harmonic", "harmony"}


def test_an_exported_checkpoint_reads_back_and_anything_else_is_refused() -> None:
    document = export([signed(9)], {"harmonic": KEY.public_key()}, AT)
    assert read_export(json.dumps(document), "dpo.json") == [signed(9)]
    assert len(bytes.fromhex(document["checkpoints"][0]["public_key"])) == 32
    for text in ["", "[]", '{"format": "other"}', json.dumps({**document, "checkpoints": [{}]})]:
        with pytest.raises(InputError, match=r"dpo\.json is not an exported audit checkpoint"):
            read_export(text, "dpo.json")

"""The key store: master keys, wrapped organisation and subject keys, shredding and rotation.

The key store runs on each backend (``database_url`` is the key store's own database here).
"""

from __future__ import annotations

import base64
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, ForeignKeyConstraint, UniqueConstraint, select, text

from hippocratic.errors import ConfigurationError, Erased
from hippocratic.storage.ciphertext import seal, unseal
from hippocratic.storage.database import Base
from hippocratic.storage.keystore import (
    MASTER_KEY_ENV,
    KeyBase,
    LocalMasterKey,
    OrganisationKeyRow,
    SubjectKeyRow,
    keystore_url,
    open_key_engine,
)
from hippocratic.storage.vault import Vault

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def key_engine(database_url: str) -> Iterator[Engine]:
    engine = open_key_engine(database_url)
    Vault.create_schema(engine)
    yield engine
    engine.dispose()


def make_vault(engine: Engine, master: LocalMasterKey, **cache: float) -> Vault:
    return Vault(engine, master, lambda: NOW, **cache)  # type: ignore[arg-type]


def copy_tables(source: Engine, target: Engine, names: list[str]) -> None:
    with source.connect() as reading, target.begin() as writing:
        for name in names:
            table = KeyBase.metadata.tables[name]
            writing.execute(table.delete())
            rows = [dict(row._mapping) for row in reading.execute(select(table))]
            if rows:
                writing.execute(table.insert(), rows)


def table_rows(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]


@pytest.mark.promise("S1-24")
def test_the_master_key_file_is_owner_only_even_under_a_loose_umask(tmp_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        key = LocalMasterKey.create_file(tmp_path / "keys" / "master.key")
    finally:
        os.umask(previous)
    path = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_bytes().strip())) == 32
    assert LocalMasterKey.from_file(path).key_id == key.key_id
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        LocalMasterKey.create_file(path)


def test_the_master_key_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    assert LocalMasterKey.from_environment() is None
    secret = os.urandom(32)
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(secret).decode())
    from_env = LocalMasterKey.from_environment()
    assert from_env is not None and from_env.key_id == LocalMasterKey(secret).key_id
    wrapped = LocalMasterKey(secret).wrap(b"k" * 32, b"ctx")
    assert from_env.unwrap(wrapped, b"ctx") == b"k" * 32
    monkeypatch.setenv(MASTER_KEY_ENV, "not base64!")
    with pytest.raises(ConfigurationError, match="base64"):
        LocalMasterKey.from_environment()
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(b"short").decode())
    with pytest.raises(ConfigurationError, match="32 bytes"):
        LocalMasterKey.from_environment()


def test_a_wrapped_key_is_bound_to_its_context() -> None:
    master = LocalMasterKey.generate()
    wrapped = master.wrap(b"k" * 32, b"harmonic\x1f1")
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        master.unwrap(wrapped, b"harmony\x1f1")
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        LocalMasterKey.generate().unwrap(wrapped, b"harmonic\x1f1")


def test_a_file_backed_master_key_follows_a_rotation_made_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    running = LocalMasterKey.create_file(path)
    pending = LocalMasterKey.create_file(tmp_path / "master.key.next")
    wrapped = pending.wrap(b"k" * 32, b"ctx")
    assert running.unwrap(wrapped, b"ctx") == b"k" * 32  # found in .next, before the move
    assert running.key_id == pending.key_id
    os.replace(tmp_path / "master.key.next", path)
    assert LocalMasterKey.from_file(path).unwrap(wrapped, b"ctx") == b"k" * 32


def test_key_tables_are_citus_ready_and_never_part_of_the_data_schema() -> None:
    assert set(KeyBase.metadata.tables).isdisjoint(Base.metadata.tables)
    for table in KeyBase.metadata.sorted_tables:
        assert next(iter(table.primary_key.columns)).name == "organisation_id"
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | ForeignKeyConstraint):
                assert "organisation_id" in [column.name for column in constraint.columns]


def test_the_key_store_url_defaults_beside_the_keys_and_can_be_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPPOCRATIC_KEYSTORE_URL", raising=False)
    assert keystore_url(tmp_path) == f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("HIPPOCRATIC_KEYSTORE_URL", "postgresql+psycopg://k@db/keys")
    assert keystore_url(tmp_path) == "postgresql+psycopg://k@db/keys"
    assert keystore_url(tmp_path, "sqlite:///x.db") == "sqlite:///x.db"


def test_keys_are_stored_wrapped(key_engine: Engine) -> None:
    vault = make_vault(key_engine, LocalMasterKey.generate())
    vault.create_organisation("harmonic")
    vault.ensure_subject_key("harmonic", "p1")
    key = vault.subject_cipher("harmonic", "p1")
    wrapped = {row[1]: bytes(row[2]) for row in table_rows(key_engine, "subject_key")}["p1"]
    assert len(wrapped) == 12 + 32 + 16  # nonce, sealed 256-bit key, tag
    blob = seal(key, "harmonic", "p1", "email", "ada@example.org")
    assert unseal(key, "harmonic", "p1", "email", blob) == "ada@example.org"


def test_a_shred_is_immediate_in_this_process_and_the_subject_cannot_be_rekeyed(
    key_engine: Engine,
) -> None:
    vault = make_vault(key_engine, LocalMasterKey.generate())
    vault.create_organisation("harmonic")
    for subject in ("p1", "p2"):
        vault.ensure_subject_key("harmonic", subject)
        vault.subject_cipher("harmonic", subject)  # now cached
    vault.shred("harmonic", "p1")
    with pytest.raises(Erased):
        vault.subject_cipher("harmonic", "p1")
    with pytest.raises(Erased):
        vault.ensure_subject_key("harmonic", "p1")
    assert vault.is_erased("harmonic", "p1") and not vault.is_erased("harmonic", "p2")
    assert vault.tombstones("harmonic") == ["p1"]
    assert [row[1] for row in table_rows(key_engine, "subject_key")] == ["p2"]


def test_another_process_without_a_cache_sees_the_shred_at_once(key_engine: Engine) -> None:
    master = LocalMasterKey.generate()
    writer = make_vault(key_engine, master)
    writer.create_organisation("harmonic")
    writer.ensure_subject_key("harmonic", "p1")
    reader = make_vault(key_engine, master, cache_seconds=0)
    reader.subject_cipher("harmonic", "p1")
    writer.shred("harmonic", "p1")
    with pytest.raises(Erased):
        reader.subject_cipher("harmonic", "p1")


def test_on_sqlite_a_shredded_key_leaves_no_bytes_in_the_key_store_files(
    tmp_path: Path,
) -> None:
    engine = open_key_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    Vault.create_schema(engine)
    vault = make_vault(engine, LocalMasterKey.generate())
    vault.create_organisation("harmonic")
    for n in range(50):
        vault.ensure_subject_key("harmonic", f"p{n}")
    wrapped = {row[1]: bytes(row[2]) for row in table_rows(engine, "subject_key")}
    vault.shred("harmonic", "p7")
    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("keys.db*"))
    assert wrapped["p7"] not in on_disk
    assert wrapped["p8"] in on_disk
    engine.dispose()


@pytest.mark.promise("S1-24")
def test_master_rotation_rewraps_every_key_and_retires_the_old_master(key_engine: Engine) -> None:
    old, new = LocalMasterKey.generate(), LocalMasterKey.generate()
    vault = make_vault(key_engine, old)
    for org in ("harmonic", "harmony"):
        vault.create_organisation(org)
        vault.ensure_subject_key(org, "p1")
    blobs = {
        org: seal(vault.subject_cipher(org, "p1"), org, "p1", "email", f"{org}@x.org")
        for org in ("harmonic", "harmony")
    }
    assert vault.rotate_master(new) == 2 * 3  # organisation, blind-index and signing key
    with key_engine.connect() as connection:
        ids = set(connection.scalars(select(OrganisationKeyRow.master_key_id)))
    assert ids == {new.key_id}
    fresh = make_vault(key_engine, new)
    for org, blob in blobs.items():
        assert unseal(fresh.subject_cipher(org, "p1"), org, "p1", "email", blob) == (f"{org}@x.org")
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        make_vault(key_engine, old).subject_cipher("harmonic", "p1")


@pytest.mark.promise("S1-24")
def test_organisation_key_rotation_rewraps_subject_keys_and_deletes_old_versions(
    key_engine: Engine,
) -> None:
    master = LocalMasterKey.generate()
    vault = make_vault(key_engine, master)
    vault.create_organisation("harmonic")
    vault.create_organisation("harmony")
    blobs = {}
    for n in range(12):
        vault.ensure_subject_key("harmonic", f"p{n}")
        key = vault.subject_cipher("harmonic", f"p{n}")
        blobs[f"p{n}"] = seal(key, "harmonic", f"p{n}", "name", f"Patient {n}")
    before = {row[1]: bytes(row[2]) for row in table_rows(key_engine, "subject_key")}
    assert vault.rotate_organisation_key("harmonic", batch=5) == 12
    assert vault.rotate_organisation_key("harmonic", batch=5) == 12
    with key_engine.connect() as connection:
        versions = connection.execute(
            select(OrganisationKeyRow.organisation_id, OrganisationKeyRow.version)
        ).all()
        under = set(connection.scalars(select(SubjectKeyRow.organisation_key_version)))
    assert sorted(versions) == [("harmonic", 3), ("harmony", 1)]
    assert under == {3}
    after = {row[1]: bytes(row[2]) for row in table_rows(key_engine, "subject_key")}
    assert all(after[s] != before[s] for s in before)
    fresh = make_vault(key_engine, master)
    for subject, blob in blobs.items():
        key = fresh.subject_cipher("harmonic", subject)
        assert unseal(key, "harmonic", subject, "name", blob).startswith("Patient")


def test_a_key_store_backup_from_before_a_rotation_cannot_bring_back_a_shredded_key(
    key_engine: Engine, tmp_path: Path
) -> None:
    """Shred p1, rotate: an old key-store backup holds p1's key, but nothing opens it."""
    old = LocalMasterKey.generate()
    vault = make_vault(key_engine, old)
    vault.create_organisation("harmonic")
    vault.ensure_subject_key("harmonic", "p1")
    blob = seal(vault.subject_cipher("harmonic", "p1"), "harmonic", "p1", "name", "Ada")
    backups = []
    for name in ("backup", "grafted"):
        backup = open_key_engine(f"sqlite:///{tmp_path / name}.db")
        Vault.create_schema(backup)
        copy_tables(key_engine, backup, sorted(KeyBase.metadata.tables))
        backups.append(backup)
    backup, grafted = backups
    vault.shred("harmonic", "p1")
    new = LocalMasterKey.generate()
    vault.rotate_master(new)
    vault.rotate_organisation_key("harmonic")
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        make_vault(backup, new).subject_cipher("harmonic", "p1")
    copy_tables(key_engine, grafted, ["organisation_key"])  # the live org keys, grafted on
    with pytest.raises(ConfigurationError, match="no longer exists"):
        make_vault(grafted, new).subject_cipher("harmonic", "p1")
    # Only someone who kept the destroyed master key could open the old backup; restoring it
    # as the key store re-applies the live store's shreds.
    restored = make_vault(backup, old)
    key = restored.subject_cipher("harmonic", "p1")
    assert unseal(key, "harmonic", "p1", "name", blob) == "Ada"
    assert restored.reapply_shreds("harmonic", vault.tombstones("harmonic")) == 1
    with pytest.raises(Erased):
        restored.subject_cipher("harmonic", "p1")
    for engine in backups:
        engine.dispose()


def test_rotation_does_not_interrupt_readers(key_engine: Engine) -> None:
    master = LocalMasterKey.generate()
    vault = make_vault(key_engine, master)
    vault.create_organisation("harmonic")
    for n in range(40):
        vault.ensure_subject_key("harmonic", f"p{n}")
    blob = seal(vault.subject_cipher("harmonic", "p3"), "harmonic", "p3", "name", "Ada")
    reader = make_vault(key_engine, master, cache_seconds=0)
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        reads = 0
        while not done.is_set() or reads < 20:
            try:
                key = reader.subject_cipher("harmonic", "p3")
                assert unseal(key, "harmonic", "p3", "name", blob) == "Ada"
            except BaseException as error:
                failures.append(error)
                return
            reads += 1

    thread = threading.Thread(target=read)
    thread.start()
    for _ in range(5):
        vault.rotate_organisation_key("harmonic")
    done.set()
    thread.join()
    assert failures == []


def test_keys_minted_during_a_rotation_are_never_orphaned(key_engine: Engine) -> None:
    master = LocalMasterKey.generate()
    vault = make_vault(key_engine, master)
    vault.create_organisation("harmonic")
    vault.ensure_subject_keys("harmonic", [f"p{n:03d}" for n in range(60)])
    minter = make_vault(key_engine, master)
    failures: list[BaseException] = []

    def mint() -> None:
        try:
            for n in range(60, 120):
                minter.ensure_subject_key("harmonic", f"p{n:03d}")
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=mint)
    thread.start()
    for _ in range(3):
        vault.rotate_organisation_key("harmonic", batch=7)
    thread.join()
    assert failures == []
    fresh = make_vault(key_engine, master, cache_seconds=0)
    for n in range(120):
        fresh.subject_cipher("harmonic", f"p{n:03d}")
    with key_engine.connect() as connection:
        versions = list(connection.scalars(select(OrganisationKeyRow.version)))
    assert versions == [4]

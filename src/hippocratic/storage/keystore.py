"""The key store: keys kept apart from the data they protect.

    master key (file with 0600 permissions, or HIPPOCRATIC_MASTER_KEY; a KMS can stand in)
      ├── organisation key, versioned (``organisation_key``; wrapped by the master key)
      │     └── subject data key, one per patient (``subject_key``; wrapped by the org key)
      └── blind-index key and audit signing key per organisation (``service_key``)

    and, beside the keys, a copy of every signed audit checkpoint (``audit_witness``): the
    key store is a database apart from the data, so a writer of the data database cannot
    rewrite what it holds (``storage.witness``)

What "backups included" means here, honestly:

* The key store is its own database (by default ``keys.db`` in the key directory, beside the
  data store, never inside it; any SQLAlchemy URL can be used, e.g. a separate PostgreSQL
  database or schema). Its tables have their own metadata (``KeyBase``), so neither Alembic nor a
  dump of the data database ever contains a key. A backup of the DATA is only ciphertext.
* Shredding a subject deletes its data key with one keyed delete and records a tombstone. Every
  copy of that subject's ciphertext, live or in any data backup restored later, is then
  unreadable for good: decrypting it raises ``Erased``. On SQLite the delete runs with
  ``secure_delete`` on and the WAL is checkpointed, so the key's bytes are overwritten in the
  file rather than left on a free page.
* A backup of the KEY STORE taken before the shred still holds the key. Such a backup dies at the
  next rotation: ``hippocratic keys rotate`` replaces the master key (the old one is overwritten),
  puts every live subject key under a new organisation key version and deletes the old versions,
  so nothing that can still be unwrapped opens a key in an older key-store backup. Rotate at
  least monthly (inside the one-month erasure deadline, Art. 12(3)), back up ``keys.db`` and the
  master key right after each rotation, and keep no key-store backup past the next one. On
  PostgreSQL a deleted row also survives in dead tuples until VACUUM and in WAL archives; the
  same rotation rule is what makes those copies useless.
* Every shred is also an entry in the disposal register (``disposal_register``, in this
  database, append-only): who was shredded, when, why (erasure, retention) and by whom, never
  what they held. ``hippocratic restore`` replays it before a restored store opens, so a
  patient erased after a backup stays erased (``services.restore``, docs/backup.md); the
  tombstone is the register's index, the refusal to mint that subject's key again.
* A disposal that destroys no key (a sweep's deletes and anonymisations of some of a
  patient's records, a partial erasure) is entered in the deletion register
  (``disposal_deletions``, here too, append-only) before it commits: table and id, never
  content. A restore deletes those records again.
* If a key-store backup must be restored, ``Vault.reapply_shreds`` deletes every key whose
  subject the live store's register names.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    event,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hippocratic.storage.database import NAMING_CONVENTION, Instant, make_engine
from hippocratic.storage.master_key import MASTER_KEY_ENV, LocalMasterKey, MasterKey

__all__ = [
    "KEYSTORE_URL_ENV",
    "MASTER_KEY_ENV",
    "DeletionRow",
    "DisposalRow",
    "KeyBase",
    "LocalMasterKey",
    "MasterKey",
    "OrganisationKeyRow",
    "RollbackRow",
    "ServiceKeyRow",
    "ShreddedSubjectRow",
    "SubjectKeyRow",
    "WitnessedCheckpointRow",
    "hold_organisation_key",
    "keystore_url",
    "open_key_engine",
]

KEYSTORE_URL_ENV = "HIPPOCRATIC_KEYSTORE_URL"


class KeyBase(DeclarativeBase):
    """Key-store tables: separate metadata from ``database.Base``, so keys never share the data
    store's migrations or backups. Citus-ready like the data: ``organisation_id`` leads every
    primary key."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrganisationKeyRow(KeyBase):
    __tablename__ = "organisation_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Instant)


class SubjectKeyRow(KeyBase):
    """One data key per subject, wrapped by organisation key ``organisation_key_version``."""

    __tablename__ = "subject_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    organisation_key_version: Mapped[int] = mapped_column(Integer)


class ShreddedSubjectRow(KeyBase):
    """A tombstone: this subject's key was destroyed and may never be minted again."""

    __tablename__ = "shredded_subject"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shredded_at: Mapped[datetime] = mapped_column(Instant)


class ServiceKeyRow(KeyBase):
    """Per-organisation keys that are not data keys: ``blind_index`` and ``audit_signing``."""

    __tablename__ = "service_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))


class WitnessedCheckpointRow(KeyBase):
    """A signed checkpoint of an organisation's audit chain, kept here as well as in the data
    database, once the transaction that wrote it has committed (``storage.witness``). Stores
    made before it get the table at their first witnessed checkpoint."""

    __tablename__ = "audit_witness"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(Instant)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class DisposalRow(KeyBase):
    """An entry of the disposal register: a subject's key was destroyed (``disposal_register``).

    Append-only (triggers refuse UPDATE and DELETE), one entry per subject, numbered per
    organisation in the order of the shreds. Never what the subject's data held."""

    __tablename__ = "disposal_register"
    __table_args__ = (
        Index("ix_disposal_register_subject", "organisation_id", "subject_id", unique=True),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_id: Mapped[str] = mapped_column(String(64))
    disposed_at: Mapped[datetime] = mapped_column(Instant)
    cause: Mapped[str] = mapped_column(String(32))
    """``erasure`` (a rights request), ``retention`` (a sweep), ``shred`` (no cause given), or
    ``tombstone`` (a shred made before the register existed)."""
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The rights request or retention run that caused it."""
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DeletionRow(KeyBase):
    """An entry of the deletion register: one record (or one field of a patient's record)
    disposed of while its subject's key lived on (``disposal_deletions``).

    Append-only (triggers refuse UPDATE and DELETE). Names what was disposed of (the table
    and the record's id, or the field's key), never what it held."""

    __tablename__ = "disposal_deletion"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch: Mapped[str] = mapped_column(String(36), primary_key=True)
    """One disposal: a sweep's rule over one kind of record, or one erasure."""
    item_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    """The kind of record: ``appointment``, ``payment``, ``field``, ``campaign_message``..."""
    record_table: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    """The record's id within the organisation (for ``field``, the field's key)."""
    action: Mapped[str] = mapped_column(String(16))
    """``delete``, or ``anonymise`` (the record stays without its patient)."""
    disposed_at: Mapped[datetime] = mapped_column(Instant)
    cause: Mapped[str] = mapped_column(String(32))
    """``erasure`` or ``retention``."""
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The rights request or retention run behind it."""
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RollbackRow(KeyBase):
    """A signed statement that an organisation's audit chain was restored from a backup to
    event ``to_seq``, abandoning the events after it that witnesses had seen
    (``ledger_rollback``). Kept here, apart from the data it speaks of."""

    __tablename__ = "audit_rollback"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    to_seq: Mapped[int] = mapped_column(Integer)
    to_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    abandoned_seq: Mapped[int] = mapped_column(Integer)
    abandoned_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    restored_at: Mapped[datetime] = mapped_column(Instant)
    backup_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


def hold_organisation_key(session: Session, organisation: str, version: int) -> int | None:
    """Lock organisation key ``version`` against deletion until the transaction ends (FOR SHARE
    on PostgreSQL; SQLite serialises writers); None if a rotation has already deleted it."""
    return session.scalar(
        select(OrganisationKeyRow.version)
        .where(
            OrganisationKeyRow.organisation_id == organisation,
            OrganisationKeyRow.version == version,
        )
        .with_for_update(read=True)
    )


def checkpoint_wal(engine: Engine) -> None:
    """Copy a SQLite key store's WAL into the file and truncate it, so no old page image keeps
    a destroyed key."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def keystore_url(directory: Path, explicit: str | None = None) -> str:
    """``explicit`` wins, then ``HIPPOCRATIC_KEYSTORE_URL``, then ``keys.db`` in ``directory``."""
    return explicit or os.environ.get(KEYSTORE_URL_ENV) or f"sqlite:///{directory / 'keys.db'}"


def open_key_engine(url: str) -> Engine:
    """An engine for the key store; on SQLite, deleted keys are overwritten (secure_delete)."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _secure_delete)
    return engine


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()

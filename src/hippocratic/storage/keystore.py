"""Keys, kept apart from the data they protect.

    master key (file with 0600 permissions, or HIPPOCRATIC_MASTER_KEY; a KMS can stand in)
      └── organisation key (versioned; wrapped by the master key)
            ├── subject data key, one per patient (wrapped by the organisation key)
            └── blind-index key and audit signing key (wrapped by the master key)

The key store is its own database (by default a file beside the SQLite store), so a backup of the
data never contains the keys. Shredding a subject deletes its data key here and leaves a
tombstone: every copy of that subject's ciphertext, in the live store or any backup of it, is
then unreadable for good. A key-store backup must be kept no longer than the shortest erasure
deadline, or pruned of shredded keys on restore (``KeyStore.tombstones`` lists them).
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import DateTime, Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hippocratic.errors import ConfigurationError

MASTER_KEY_ENV = "HIPPOCRATIC_MASTER_KEY"
NONCE = 12


class KeyBase(DeclarativeBase):
    metadata = MetaData()


class OrganisationKeyRow(KeyBase):
    __tablename__ = "organisation_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubjectKeyRow(KeyBase):
    __tablename__ = "subject_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    organisation_key_version: Mapped[int] = mapped_column(Integer)


class ShreddedSubjectRow(KeyBase):
    __tablename__ = "shredded_subject"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shredded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceKeyRow(KeyBase):
    """Per-organisation keys that are not data keys: ``blind_index`` and ``audit_signing``."""

    __tablename__ = "service_key"

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))


class MasterKey(Protocol):
    """What the vault needs from a master key; a KMS client can implement it."""

    key_id: str

    def wrap(self, key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class LocalMasterKey:
    """An AES-256 key held by this process (from a file or the environment)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ConfigurationError("a master key must be 32 bytes (base64 in its file)")
        self._aead = AESGCM(secret)
        self.key_id = base64.urlsafe_b64encode(
            AESGCM(secret).encrypt(b"\0" * NONCE, b"key-id", None)[:9]
        ).decode()

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aead.encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE], wrapped[NONCE:], context)
        except InvalidTag:
            raise ConfigurationError(
                "this master key does not unwrap the store's keys",
                hint="use the key file created by `hippocratic init`, or rotate keys",
            ) from None

    @classmethod
    def generate(cls) -> LocalMasterKey:
        return cls(secrets.token_bytes(32))

    @classmethod
    def create_file(cls, path: Path) -> LocalMasterKey:
        """Write a new key to ``path`` readable by its owner only (0600); refuse to overwrite."""
        secret = secrets.token_bytes(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ConfigurationError(
                f"{path} already exists; refusing to overwrite a key"
            ) from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(base64.b64encode(secret) + b"\n")
        return cls(secret)

    @classmethod
    def from_file(cls, path: Path) -> LocalMasterKey:
        try:
            return cls(base64.b64decode(path.read_bytes().strip(), validate=True))
        except FileNotFoundError:
            raise ConfigurationError(
                f"no master key at {path}", hint="run `hippocratic init`, or set " + MASTER_KEY_ENV
            ) from None
        except ValueError:
            raise ConfigurationError(f"{path} does not hold a base64 master key") from None

    @classmethod
    def from_environment(cls) -> LocalMasterKey | None:
        value = os.environ.get(MASTER_KEY_ENV)
        if not value:
            return None
        try:
            return cls(base64.b64decode(value, validate=True))
        except ValueError:
            raise ConfigurationError(f"{MASTER_KEY_ENV} is not a base64 key") from None

"""The master key: the root of the key hierarchy, and the one thing a KMS can replace.

``MasterKey`` is the whole interface the vault needs (``key_id``, ``wrap``, ``unwrap``); a
KMS client (AWS KMS ``Encrypt``/``Decrypt`` with an encryption context, Vault Transit, an HSM)
implements it without the vault changing. ``LocalMasterKey`` is the built-in one: 32 random
bytes, base64, either in a key file created with 0600 permissions or in the environment
variable ``HIPPOCRATIC_MASTER_KEY``.

A key loaded from a file follows rotation made by another process: when it fails to unwrap, it
re-reads its file (and ``<file>.next``, where a rotation keeps the new key until it commits) and
tries again, so a running server keeps working through ``hippocratic keys rotate``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hippocratic.errors import ConfigurationError

MASTER_KEY_ENV = "HIPPOCRATIC_MASTER_KEY"
NONCE = 12
KEY_BYTES = 32


class MasterKey(Protocol):
    """What the vault needs from a master key; a KMS client can implement it.

    ``context`` is bound into the wrapping (AES-GCM associated data, or a KMS encryption
    context), so a wrapped key cannot be swapped for another organisation's or purpose's.
    """

    @property
    def key_id(self) -> str: ...

    def wrap(self, key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


def _key_id(secret: bytes) -> str:
    """A public fingerprint of the key (HMAC of a constant), safe to store beside what it wraps."""
    digest = hmac.new(secret, b"hippocratic master key id", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def _decode(text: bytes, source: str) -> bytes:
    try:
        secret = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ConfigurationError(f"{source} does not hold a base64 master key") from None
    if len(secret) != KEY_BYTES:
        raise ConfigurationError(f"{source}: a master key must be 32 bytes (base64-encoded)")
    return secret


class LocalMasterKey:
    """An AES-256-GCM key held by this process, from a key file or the environment."""

    def __init__(self, secret: bytes, path: Path | None = None) -> None:
        if len(secret) != KEY_BYTES:
            raise ConfigurationError("a master key must be 32 bytes (base64 in its file)")
        self._aead = AESGCM(secret)
        self._key_id = _key_id(secret)
        self._path = path

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def path(self) -> Path | None:
        return self._path

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aead.encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE], wrapped[NONCE:], context)
        except InvalidTag:
            pass
        for secret in self._rotated_in():
            aead = AESGCM(secret)
            try:
                key = aead.decrypt(wrapped[:NONCE], wrapped[NONCE:], context)
            except InvalidTag:
                continue
            self._aead, self._key_id = aead, _key_id(secret)
            return key
        raise ConfigurationError(
            "this master key does not unwrap the store's keys",
            hint="use the key file created by `hippocratic init`, or the key after rotation",
        )

    def _rotated_in(self) -> list[bytes]:
        """Keys now in this key's file or its ``.next`` file that differ from the one held."""
        if self._path is None:
            return []
        found = []
        for candidate in (self._path, self._path.with_name(self._path.name + ".next")):
            try:
                secret = _decode(candidate.read_bytes(), str(candidate))
            except (OSError, ConfigurationError):
                continue
            if _key_id(secret) != self._key_id:
                found.append(secret)
        return found

    @classmethod
    def generate(cls) -> LocalMasterKey:
        """A new key held only in memory (tests, benchmarks, or a KMS-less migration)."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def create_file(cls, path: Path) -> LocalMasterKey:
        """Write a new key to ``path``, readable by its owner only (0600); never overwrite."""
        secret = secrets.token_bytes(KEY_BYTES)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ConfigurationError(
                f"{path} already exists; refusing to overwrite a key"
            ) from None
        os.fchmod(descriptor, 0o600)  # the umask cannot widen it
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(base64.b64encode(secret) + b"\n")
        return cls(secret, path)

    @classmethod
    def from_file(cls, path: Path) -> LocalMasterKey:
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            raise ConfigurationError(
                f"no master key at {path}", hint="run `hippocratic init`, or set " + MASTER_KEY_ENV
            ) from None
        return cls(_decode(text, str(path)), path)

    @classmethod
    def from_environment(cls) -> LocalMasterKey | None:
        value = os.environ.get(MASTER_KEY_ENV)
        if not value:
            return None
        return cls(_decode(value.encode(), MASTER_KEY_ENV))

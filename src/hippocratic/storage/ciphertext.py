"""The vault's ciphertext format, sealed under one subject's data key.

    0x02 | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and 16-byte tag

The associated data is the 5-byte header plus organisation, subject and field, so a ciphertext
moved to another row, field or organisation fails to open with ``TamperedData``; it never opens
to someone else's value. The key id, a fingerprint of the data key (HMAC of a constant, which
reveals nothing about the key), tells a ciphertext sealed under another key apart from one that
was altered.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hippocratic.errors import TamperedData

FORMAT_VERSION = 2
KEY_ID = 4
HEADER = 1 + KEY_ID
NONCE = 12
TAG = 16


def context(*parts: str) -> bytes:
    """Associated data naming what a key or ciphertext belongs to."""
    return "\x1f".join(parts).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SubjectKey:
    """A subject's unwrapped data key and its public fingerprint."""

    aead: AESGCM
    key_id: bytes

    @classmethod
    def from_bytes(cls, key: bytes) -> SubjectKey:
        fingerprint = hmac.new(key, b"hippocratic data key id", hashlib.sha256).digest()
        return cls(AESGCM(key), fingerprint[:KEY_ID])


def seal(key: SubjectKey, organisation: str, subject: str, field: str, plaintext: str) -> bytes:
    header = bytes([FORMAT_VERSION]) + key.key_id
    nonce = os.urandom(NONCE)
    aad = header + context(organisation, subject, field)
    return header + nonce + key.aead.encrypt(nonce, plaintext.encode("utf-8"), aad)


def unseal(key: SubjectKey, organisation: str, subject: str, field: str, blob: bytes) -> str:
    blob = bytes(blob)
    header = blob[:HEADER]
    if len(blob) < HEADER + NONCE + TAG or header[0] != FORMAT_VERSION:
        raise TamperedData(f"{field} of subject {subject} is not a vault ciphertext")
    if header[1:] != key.key_id:
        raise TamperedData(
            f"the ciphertext in {field} of subject {subject} was sealed under another key",
            hint="it belongs to another patient or organisation; restore it from a backup",
        )
    try:
        plain = key.aead.decrypt(
            blob[HEADER : HEADER + NONCE],
            blob[HEADER + NONCE :],
            header + context(organisation, subject, field),
        )
    except InvalidTag:
        raise TamperedData(
            f"the ciphertext in {field} of subject {subject} does not belong there",
            hint="it was moved or altered; restore it from a backup",
        ) from None
    return plain.decode("utf-8")

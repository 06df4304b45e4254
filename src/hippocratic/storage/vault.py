"""Envelope encryption with a key per patient (AES-256-GCM), blind indexes and crypto-shredding.

A ciphertext is ``version(1) | nonce(12) | AES-GCM(subject key, plaintext, aad)`` where the
associated data binds it to organisation, subject and field: moved to another row or field it
fails to decrypt (``TamperedData``), never decrypts to someone else's value. After a subject's
key is shredded, decrypting any copy of its data raises ``Erased``.

Blind indexes are HMAC-SHA-256 under a per-organisation key over a normalised value (NHS number
digits, lower-cased email, E.164 phone), so exact-match search needs no decryption.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from datetime import datetime

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.errors import ConfigurationError, Erased, TamperedData
from hippocratic.storage.keystore import (
    KeyBase,
    MasterKey,
    OrganisationKeyRow,
    ServiceKeyRow,
    ShreddedSubjectRow,
    SubjectKeyRow,
)

FORMAT_VERSION = b"\x01"
NONCE = 12


def _context(*parts: str) -> bytes:
    return "\x1f".join(parts).encode("utf-8")


def normalise(field: str, value: str) -> str:
    """The canonical form of an identifier, so that formatting never defeats a lookup."""
    text = value.strip()
    if "nhs" in field:
        return re.sub(r"\D", "", text)
    if "email" in field:
        return text.casefold()
    if "phone" in field:
        try:
            number = phonenumbers.parse(text, "GB")
        except phonenumbers.NumberParseException:
            return re.sub(r"\D", "", text)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return text.casefold()


class Vault:
    def __init__(self, keys: Engine, master: MasterKey, now: Callable[[], datetime]) -> None:
        self._keys = sessionmaker(keys, expire_on_commit=False)
        self._master = master
        self._now = now
        self._organisation_keys: dict[tuple[str, int], AESGCM] = {}
        self._index_keys: dict[str, bytes] = {}

    @staticmethod
    def create_schema(keys: Engine) -> None:
        KeyBase.metadata.create_all(keys)

    def create_organisation(self, organisation: str) -> None:
        with self._keys.begin() as session:
            session.add(self._wrap_organisation_key(organisation, 1, secrets.token_bytes(32)))
            for purpose, secret in (
                ("blind_index", secrets.token_bytes(32)),
                (
                    "audit_signing",
                    Ed25519PrivateKey.generate().private_bytes(
                        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
                    ),
                ),
            ):
                session.add(
                    ServiceKeyRow(
                        organisation_id=organisation,
                        purpose=purpose,
                        wrapped=self._master.wrap(secret, _context(organisation, purpose)),
                        master_key_id=self._master.key_id,
                    )
                )

    def _wrap_organisation_key(
        self, organisation: str, version: int, key: bytes
    ) -> OrganisationKeyRow:
        return OrganisationKeyRow(
            organisation_id=organisation,
            version=version,
            wrapped=self._master.wrap(key, _context(organisation, str(version))),
            master_key_id=self._master.key_id,
            created_at=self._now(),
        )

    def _organisation_key(
        self, session: Session, organisation: str, version: int | None = None
    ) -> tuple[int, AESGCM]:
        if version is None:
            version = session.scalar(
                select(func.max(OrganisationKeyRow.version)).where(
                    OrganisationKeyRow.organisation_id == organisation
                )
            )
            if version is None:
                raise ConfigurationError(f"organisation {organisation!r} has no keys")
        cached = self._organisation_keys.get((organisation, version))
        if cached is not None:
            return version, cached
        row = session.get(OrganisationKeyRow, (organisation, version))
        if row is None:
            raise ConfigurationError(f"organisation {organisation!r} has no key version {version}")
        aead = AESGCM(self._master.unwrap(row.wrapped, _context(organisation, str(version))))
        self._organisation_keys[(organisation, version)] = aead
        return version, aead

    def ensure_subject_key(self, organisation: str, subject: str) -> None:
        with self._keys.begin() as session:
            if session.get(SubjectKeyRow, (organisation, subject)) is not None:
                return
            if session.get(ShreddedSubjectRow, (organisation, subject)) is not None:
                raise Erased(f"subject {subject} was erased; their data cannot be written again")
            version, aead = self._organisation_key(session, organisation)
            nonce = os.urandom(NONCE)
            wrapped = nonce + aead.encrypt(
                nonce, secrets.token_bytes(32), _context(organisation, subject)
            )
            session.add(
                SubjectKeyRow(
                    organisation_id=organisation,
                    subject_id=subject,
                    wrapped=wrapped,
                    organisation_key_version=version,
                )
            )

    def subject_cipher(self, organisation: str, subject: str) -> AESGCM:
        """The subject's data key; raises ``Erased`` once it has been shredded."""
        with self._keys() as session:
            row = session.get(SubjectKeyRow, (organisation, subject))
            if row is None:
                if session.get(ShreddedSubjectRow, (organisation, subject)) is not None:
                    raise Erased(f"subject {subject}'s data was erased (crypto-shredded)")
                raise ConfigurationError(f"subject {subject} has no data key")
            _, aead = self._organisation_key(session, organisation, row.organisation_key_version)
            try:
                return AESGCM(
                    aead.decrypt(
                        row.wrapped[:NONCE], row.wrapped[NONCE:], _context(organisation, subject)
                    )
                )
            except InvalidTag:
                raise TamperedData(
                    f"the data key of subject {subject} does not belong to them"
                ) from None

    def encrypt(
        self, cipher: AESGCM, organisation: str, subject: str, field: str, plaintext: str
    ) -> bytes:
        nonce = os.urandom(NONCE)
        sealed = cipher.encrypt(
            nonce, plaintext.encode("utf-8"), _context(organisation, subject, field)
        )
        return FORMAT_VERSION + nonce + sealed

    def decrypt(
        self, cipher: AESGCM, organisation: str, subject: str, field: str, blob: bytes
    ) -> str:
        if blob[:1] != FORMAT_VERSION:
            raise TamperedData(f"{field} of subject {subject} is not a vault ciphertext")
        try:
            plain = cipher.decrypt(
                blob[1 : 1 + NONCE], blob[1 + NONCE :], _context(organisation, subject, field)
            )
        except InvalidTag:
            raise TamperedData(
                f"the ciphertext in {field} of subject {subject} does not belong there",
                hint="it was moved or altered; restore it from a backup",
            ) from None
        return plain.decode("utf-8")

    def blind_index(self, organisation: str, field: str, value: str) -> bytes:
        key = self._index_keys.get(organisation)
        if key is None:
            with self._keys() as session:
                row = session.get(ServiceKeyRow, (organisation, "blind_index"))
                if row is None:
                    raise ConfigurationError(f"organisation {organisation!r} has no index key")
                key = self._master.unwrap(row.wrapped, _context(organisation, "blind_index"))
            self._index_keys[organisation] = key
        return hmac.new(
            key, f"{field}\x1f{normalise(field, value)}".encode(), hashlib.sha256
        ).digest()

    def signing_key(self, organisation: str) -> Ed25519PrivateKey:
        with self._keys() as session:
            row = session.get(ServiceKeyRow, (organisation, "audit_signing"))
            if row is None:
                raise ConfigurationError(f"organisation {organisation!r} has no signing key")
            raw = self._master.unwrap(row.wrapped, _context(organisation, "audit_signing"))
        return Ed25519PrivateKey.from_private_bytes(raw)

    def shred(self, organisation: str, subject: str) -> None:
        """Destroy the subject's data key: one keyed delete and a tombstone, whatever the size."""
        with self._keys.begin() as session:
            session.execute(
                delete(SubjectKeyRow).where(
                    SubjectKeyRow.organisation_id == organisation,
                    SubjectKeyRow.subject_id == subject,
                )
            )
            if session.get(ShreddedSubjectRow, (organisation, subject)) is None:
                session.add(
                    ShreddedSubjectRow(
                        organisation_id=organisation, subject_id=subject, shredded_at=self._now()
                    )
                )

    def tombstones(self, organisation: str) -> list[str]:
        with self._keys() as session:
            return list(
                session.scalars(
                    select(ShreddedSubjectRow.subject_id).where(
                        ShreddedSubjectRow.organisation_id == organisation
                    )
                )
            )

    def rotate_master(self, new_master: MasterKey) -> int:
        """Re-wrap every organisation and service key under ``new_master``; data keys and
        ciphertext are untouched, so nothing becomes unreadable. Returns keys re-wrapped."""
        count = 0
        with self._keys.begin() as session:
            for row in session.scalars(select(OrganisationKeyRow)):
                context = _context(row.organisation_id, str(row.version))
                row.wrapped = new_master.wrap(self._master.unwrap(row.wrapped, context), context)
                row.master_key_id = new_master.key_id
                count += 1
            for service in session.scalars(select(ServiceKeyRow)):
                context = _context(service.organisation_id, service.purpose)
                service.wrapped = new_master.wrap(
                    self._master.unwrap(service.wrapped, context), context
                )
                service.master_key_id = new_master.key_id
                count += 1
        self._master = new_master
        return count

    def rotate_organisation_key(self, organisation: str) -> int:
        """A new organisation key version; every subject key is re-wrapped under it in one
        transaction, and the old version stays for nothing but history."""
        with self._keys.begin() as session:
            version, _ = self._organisation_key(session, organisation)
            fresh = secrets.token_bytes(32)
            session.add(self._wrap_organisation_key(organisation, version + 1, fresh))
            new = AESGCM(fresh)
            count = 0
            for row in session.scalars(
                select(SubjectKeyRow).where(SubjectKeyRow.organisation_id == organisation)
            ):
                _, old = self._organisation_key(session, organisation, row.organisation_key_version)
                context = _context(organisation, row.subject_id)
                key = old.decrypt(row.wrapped[:NONCE], row.wrapped[NONCE:], context)
                nonce = os.urandom(NONCE)
                row.wrapped = nonce + new.encrypt(nonce, key, context)
                row.organisation_key_version = version + 1
                count += 1
        self._organisation_keys[(organisation, version + 1)] = new
        return count

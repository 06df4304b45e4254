"""Envelope encryption with a key per patient (AES-256-GCM), blind indexes and crypto-shredding.

API (the key store's engine is separate from the data's; see ``storage.keystore``)::

    vault = Vault(key_engine, master_key, clock.now)     # Vault.create_schema(key_engine) once
    vault.create_organisation("harmonic")
    clinic = vault.for_organisation("harmonic")          # OrganisationVault
    clinic.ensure_subject_key(subject)                   # mint the patient's data key
    blob = clinic.encrypt_field(subject, "email", "ada@example.org")
    clinic.decrypt_field(subject, "email", blob)         # -> "ada@example.org"
    clinic.blind_index("nhs_number", "943 476 5919")     # 32 bytes, same for "9434765919"
    clinic.shred_subject(subject)                        # one keyed delete
    clinic.decrypt_field(subject, "email", blob)         # raises hippocratic.errors.Erased

For many fields of one patient, fetch the key once (``subject_cipher``), then ``ciphertext.seal``.
Ciphertexts (``storage.ciphertext``) are bound to organisation, subject and field: moved to
another row, field or organisation they fail with ``TamperedData``, never someone else's value.

Erasure is an exception, not a sentinel: once a subject's key is shredded, ``subject_cipher`` and
``decrypt_field`` raise ``Erased`` (code ``vault.erased``, HTTP 410), which services turn into
their 'erased' field state. ``ensure_subject_key`` raises it too: an erased patient's data cannot
be written again under a fresh key.

Unwrapped subject keys are cached per process (LRU, ``cache_size`` keys, ``cache_seconds``
each). A shred drops the key from this process's cache at once, including against a load that
raced with it; another process drops its copy within ``cache_seconds``. Rotation
(``rotate_master``, ``rotate_organisation_key``): see ``storage.key_rotation``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Connection, Engine, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.errors import ConfigurationError, Erased, TamperedData
from hippocratic.storage import blind_index as index
from hippocratic.storage import disposal_register, key_rotation, shredding
from hippocratic.storage.ciphertext import NONCE, SubjectKey
from hippocratic.storage.ciphertext import context as _context
from hippocratic.storage.key_cache import SubjectKeyCache
from hippocratic.storage.keystore import (
    KeyBase,
    MasterKey,
    OrganisationKeyRow,
    ServiceKeyRow,
    ShreddedSubjectRow,
    SubjectKeyRow,
    checkpoint_wal,
    hold_organisation_key,
)

if TYPE_CHECKING:
    from hippocratic.storage.organisation_vault import OrganisationVault

__all__ = ["SubjectKey", "Vault", "normalise"]

normalise = index.normalise
ATTEMPTS = 3
_SUBJECT_KEYS = KeyBase.metadata.tables[SubjectKeyRow.__tablename__]
_SUBJECT_KEY = select(_SUBJECT_KEYS.c.wrapped, _SUBJECT_KEYS.c.organisation_key_version).where(
    _SUBJECT_KEYS.c.organisation_id == bindparam("organisation"),
    _SUBJECT_KEYS.c.subject_id == bindparam("subject"),
)
_TOMBSTONES = KeyBase.metadata.tables[ShreddedSubjectRow.__tablename__]
_TOMBSTONE = select(_TOMBSTONES.c.subject_id).where(
    _TOMBSTONES.c.organisation_id == bindparam("organisation"),
    _TOMBSTONES.c.subject_id == bindparam("subject"),
)


class Vault:
    """Every organisation's keys in one key store; see the module docstring for the API."""

    def __init__(
        self,
        keys: Engine,
        master: MasterKey,
        now: Callable[[], datetime],
        *,
        cache_size: int = 10_000,
        cache_seconds: float = 30.0,
    ) -> None:
        self._engine = keys
        self._keys = sessionmaker(keys, expire_on_commit=False)
        self._master = master
        self._now = now
        self._organisation_keys: dict[tuple[str, int], AESGCM] = {}
        self._index_keys: dict[str, bytes] = {}
        self._signing_keys: dict[str, Ed25519PrivateKey] = {}
        self._staff_keys: dict[str, AESGCM] = {}
        self._subject_keys = SubjectKeyCache(cache_size, cache_seconds)
        self._register_ready = False

    @staticmethod
    def create_schema(keys: Engine) -> None:
        KeyBase.metadata.create_all(keys)

    @property
    def master_key_id(self) -> str:
        return self._master.key_id

    def for_organisation(self, organisation: str) -> OrganisationVault:
        from hippocratic.storage.organisation_vault import OrganisationVault

        return OrganisationVault(self, organisation)

    def create_organisation(self, organisation: str) -> None:
        signing = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        with self._keys.begin() as session:
            session.add(self._wrap_organisation_key(organisation, 1, secrets.token_bytes(32)))
            for purpose, secret in (
                ("blind_index", secrets.token_bytes(32)),
                ("audit_signing", signing),
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

    def _current_version(self, session: Session, organisation: str) -> int:
        """The newest organisation key version, held (FOR SHARE on PostgreSQL) until commit,
        so a concurrent rotation cannot delete it under a key being minted."""
        for _ in range(ATTEMPTS):
            newest = (
                select(OrganisationKeyRow.version)
                .where(OrganisationKeyRow.organisation_id == organisation)
                .order_by(OrganisationKeyRow.version.desc())
                .limit(1)
            )
            version = session.scalar(newest)
            if version is None:
                raise ConfigurationError(f"organisation {organisation!r} has no keys")
            held = hold_organisation_key(session, organisation, version)
            if held is not None:
                return held
        raise ConfigurationError(f"organisation {organisation!r} is rotating keys; try again")

    def _organisation_key(
        self, reader: Session | Connection, organisation: str, version: int
    ) -> AESGCM:
        cached = self._organisation_keys.get((organisation, version))
        if cached is not None:
            return cached
        wrapped = reader.execute(
            select(OrganisationKeyRow.wrapped).where(
                OrganisationKeyRow.organisation_id == organisation,
                OrganisationKeyRow.version == version,
            )
        ).scalar()
        if wrapped is None:
            raise LookupError(version)
        aead = AESGCM(self._master.unwrap(bytes(wrapped), _context(organisation, str(version))))
        self._organisation_keys[(organisation, version)] = aead
        return aead

    def ensure_subject_key(self, organisation: str, subject: str) -> None:
        """Mint the subject's data key if it has none; ``Erased`` if it was shredded."""
        if self._subject_keys.get(organisation, subject) is None:
            self.ensure_subject_keys(organisation, [subject])

    def ensure_subject_keys(self, organisation: str, subjects: Iterable[str]) -> int:
        """Mint, in one transaction, a data key for each subject that has none; returns how
        many were minted. ``Erased``, minting nothing, if any of them was shredded."""
        wanted = list(dict.fromkeys(subjects))
        try:
            return self._mint(organisation, wanted)
        except IntegrityError:  # another process minted one of them first; mint the rest
            return self._mint(organisation, wanted)

    def _mint(self, organisation: str, wanted: list[str]) -> int:
        with self._keys.begin() as session:
            existing: set[str] = set()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for row, found in ((SubjectKeyRow, existing), (ShreddedSubjectRow, None)):
                    hits = set(
                        session.scalars(
                            select(row.subject_id).where(
                                row.organisation_id == organisation, row.subject_id.in_(chunk)
                            )
                        )
                    )
                    if found is not None:
                        found |= hits
                    elif hits:
                        raise Erased(
                            f"subject {min(hits)} was erased; their data cannot be written again"
                        )
            missing = [subject for subject in wanted if subject not in existing]
            if not missing:
                return 0
            version = self._current_version(session, organisation)
            aead = self._organisation_key(session, organisation, version)
            rows = []
            for subject in missing:
                nonce = os.urandom(NONCE)
                sealed = aead.encrypt(
                    nonce, secrets.token_bytes(32), _context(organisation, subject)
                )
                rows.append(
                    {
                        "organisation_id": organisation,
                        "subject_id": subject,
                        "wrapped": nonce + sealed,
                        "organisation_key_version": version,
                    }
                )
            session.execute(insert(SubjectKeyRow), rows)
        return len(missing)

    def subject_cipher(self, organisation: str, subject: str) -> SubjectKey:
        """The subject's data key (cached); raises ``Erased`` once it has been shredded."""
        cached = self._subject_keys.get(organisation, subject)
        if cached is not None:
            return cached
        epoch = self._subject_keys.epoch
        for _ in range(ATTEMPTS):
            with self._engine.connect() as connection:
                row = connection.execute(
                    _SUBJECT_KEY, {"organisation": organisation, "subject": subject}
                ).first()
                if row is None:
                    if connection.execute(
                        _TOMBSTONE, {"organisation": organisation, "subject": subject}
                    ).first():
                        raise Erased(f"subject {subject}'s data was erased (crypto-shredded)")
                    raise ConfigurationError(f"subject {subject} has no data key")
                try:
                    aead = self._organisation_key(connection, organisation, row[1])
                except LookupError:
                    continue  # a rotation re-wrapped this key between our two reads
                key = self._unwrap_subject(aead, organisation, subject, bytes(row[0]))
            self._subject_keys.put(organisation, subject, key, epoch)
            return key
        raise ConfigurationError(
            f"the data key of subject {subject} is wrapped under an organisation key version "
            "that no longer exists",
            hint="old key versions are destroyed at rotation; was an old key-store backup "
            "restored?",
        )

    @staticmethod
    def _unwrap_subject(
        aead: AESGCM, organisation: str, subject: str, wrapped: bytes
    ) -> SubjectKey:
        try:
            key = aead.decrypt(wrapped[:NONCE], wrapped[NONCE:], _context(organisation, subject))
        except InvalidTag:
            raise TamperedData(
                f"the data key of subject {subject} does not belong to them"
            ) from None
        return SubjectKey.from_bytes(key)

    def blind_index(self, organisation: str, field: str, value: str) -> bytes:
        key = self._index_keys.get(organisation)
        if key is None:
            key = self._service_secret(organisation, "blind_index")
            self._index_keys[organisation] = key
        return index.blind_index(key, field, value)

    def signing_key(self, organisation: str) -> Ed25519PrivateKey:
        """The organisation's audit signing key, read from the key store once per process."""
        key = self._signing_keys.get(organisation)
        if key is None:
            secret = self._service_secret(organisation, "audit_signing")
            key = self._signing_keys[organisation] = Ed25519PrivateKey.from_private_bytes(secret)
        return key

    def _service_secret(self, organisation: str, purpose: str) -> bytes:
        with self._keys() as session:
            row = session.get(ServiceKeyRow, (organisation, purpose))
            if row is None:
                raise ConfigurationError(f"organisation {organisation!r} has no {purpose} key")
            return self._master.unwrap(row.wrapped, _context(organisation, purpose))

    def staff_secrets(self, organisation: str) -> AESGCM:
        """The key that seals staff second-factor secrets, minted on first use (stores made
        before staff sign-in have none); it lives in the key store like every other key."""
        if organisation not in self._staff_keys:
            self._staff_keys[organisation] = AESGCM(
                self.minted_secret(organisation, "staff_secrets")
            )
        return self._staff_keys[organisation]

    def minted_secret(self, organisation: str, purpose: str) -> bytes:
        """The organisation's 32-byte secret for ``purpose``, minted on first use (wrapped)."""
        try:
            return self._service_secret(organisation, purpose)
        except ConfigurationError:
            secret = secrets.token_bytes(32)
            wrapped = self._master.wrap(secret, _context(organisation, purpose))
            row = ServiceKeyRow(organisation_id=organisation, purpose=purpose,
                                wrapped=wrapped, master_key_id=self._master.key_id)  # fmt: skip
            with suppress(IntegrityError), self._keys.begin() as session:
                session.add(row)  # an IntegrityError: another process minted it first
            return self._service_secret(organisation, purpose)

    def shred(
        self,
        organisation: str,
        subject: str,
        disposal: disposal_register.Disposal | None = None,
    ) -> None:
        """Destroy the subject's data key: one keyed delete, a tombstone and an entry in the
        disposal register (``disposal``: why, by whom), in one key-store transaction, whatever
        the size. On SQLite the key's bytes are overwritten (secure_delete) and the WAL
        checkpointed."""
        self.shred_many(organisation, [subject], disposal)

    def shred_many(
        self,
        organisation: str,
        subjects: Sequence[str],
        disposal: disposal_register.Disposal | None = None,
    ) -> int:
        """Destroy every one of ``subjects``' keys as ``shred`` does, all in ONE key-store
        transaction (``storage.shredding``): all of them or, if it fails, none. Returns how
        many keys there were to destroy."""
        if not self._register_ready:
            disposal_register.ensure_register(self._engine)
            self._register_ready = True
        why = disposal or disposal_register.Disposal()
        with self._keys.begin() as session:
            destroyed = shredding.shred(session, organisation, subjects, self._now(), why)
        for subject in subjects:
            self._subject_keys.invalidate(organisation, subject)
        if self._engine.dialect.name == "sqlite":
            checkpoint_wal(self._engine)
        return destroyed

    def is_erased(self, organisation: str, subject: str) -> bool:
        with self._keys() as session:
            return session.get(ShreddedSubjectRow, (organisation, subject)) is not None

    def tombstones(self, organisation: str) -> list[str]:
        query = select(ShreddedSubjectRow.subject_id)
        with self._keys() as session:
            return list(
                session.scalars(query.where(ShreddedSubjectRow.organisation_id == organisation))
            )

    def reapply_shreds(self, organisation: str, subjects: Iterable[str]) -> int:
        """After restoring a key-store backup: shred again every subject the live store's
        disposal register names. Returns how many keys the backup had brought back."""
        resurrected = 0
        for subject in subjects:
            with self._keys() as session:
                resurrected += session.get(SubjectKeyRow, (organisation, subject)) is not None
            self.shred(organisation, subject)
        return resurrected

    def rotate_master(self, new_master: MasterKey) -> int:
        """Re-wrap every organisation and service key under ``new_master``; returns how many."""
        count = key_rotation.rotate_master(self._keys, self._master, new_master)
        self._master = new_master
        return count

    def rotate_organisation_key(self, organisation: str, batch: int = 5_000) -> int:
        """Every subject key under a new organisation key version, the old versions deleted;
        returns how many subject keys were re-wrapped."""
        done = key_rotation.rotate_organisation_key(
            self._keys, organisation, self._organisation_key, self._wrap_organisation_key, batch
        )
        for version in done.retired:
            self._organisation_keys.pop((organisation, version), None)
        self._organisation_keys[(organisation, done.version)] = done.key
        return done.rewrapped

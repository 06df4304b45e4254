"""Key rotation: re-wrap keys, never re-encrypt data, never block readers.

``rotate_master`` re-wraps every organisation and service key under a new master key in one
transaction. ``rotate_organisation_key`` mints organisation key version N+1, re-wraps every
subject key under it in short batched transactions, and deletes versions 1..N: a subject key is
never left under a version that is gone, and once the old master key is destroyed too, no older
key-store backup can be opened (see ``storage.keystore``). Key rows are locked (FOR UPDATE /
FOR SHARE on PostgreSQL; SQLite serialises writers), so a key minted concurrently under an old
version is re-wrapped before that version is deleted. Data keys, and so every ciphertext, are
unchanged.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.errors import ConfigurationError, TamperedData
from hippocratic.storage.ciphertext import NONCE, context
from hippocratic.storage.keystore import (
    KeyBase,
    MasterKey,
    OrganisationKeyRow,
    ServiceKeyRow,
    SubjectKeyRow,
    hold_organisation_key,
)


@dataclass(frozen=True)
class OrganisationRotation:
    retired: list[int]
    version: int
    key: AESGCM
    rewrapped: int


def rotate_master(sessions: sessionmaker[Session], old: MasterKey, new: MasterKey) -> int:
    count = 0
    with sessions.begin() as session:
        for row in session.scalars(select(OrganisationKeyRow).with_for_update()):
            bound = context(row.organisation_id, str(row.version))
            row.wrapped = new.wrap(old.unwrap(row.wrapped, bound), bound)
            row.master_key_id = new.key_id
            count += 1
        for service in session.scalars(select(ServiceKeyRow).with_for_update()):
            bound = context(service.organisation_id, service.purpose)
            service.wrapped = new.wrap(old.unwrap(service.wrapped, bound), bound)
            service.master_key_id = new.key_id
            count += 1
    return count


def rotate_organisation_key(
    sessions: sessionmaker[Session],
    organisation: str,
    unwrap: Callable[[Session | Connection, str, int], AESGCM],
    wrap: Callable[[str, int, bytes], OrganisationKeyRow],
    batch: int,
) -> OrganisationRotation:
    """Three steps, each its own short transaction, so no reader or writer waits long: add
    version N+1 (new keys are minted under it from then on); re-wrap subject keys still under
    older versions, ``batch`` at a time; then, holding the organisation's key rows, re-wrap any
    key minted under an old version meanwhile and delete the old versions."""
    with sessions.begin() as session:
        versions = _lock_versions(session, organisation)
        new_version, fresh = max(versions) + 1, secrets.token_bytes(32)
        session.add(wrap(organisation, new_version, fresh))
    new = AESGCM(fresh)
    count = 0
    while True:
        with sessions.begin() as session:
            done = _rewrap(session, organisation, unwrap, new, new_version, batch)
        count += done
        if done < batch:
            break
    with sessions.begin() as session:
        retired = [v for v in _lock_versions(session, organisation) if v < new_version]
        while done := _rewrap(session, organisation, unwrap, new, new_version, batch):
            count += done
        session.execute(
            delete(OrganisationKeyRow).where(
                OrganisationKeyRow.organisation_id == organisation,
                OrganisationKeyRow.version < new_version,
            )
        )
    return OrganisationRotation(sorted(set(versions) | set(retired)), new_version, new, count)


def _lock_versions(session: Session, organisation: str) -> list[int]:
    versions = list(
        session.scalars(
            select(OrganisationKeyRow.version)
            .where(OrganisationKeyRow.organisation_id == organisation)
            .with_for_update()
        )
    )
    if not versions:
        raise ConfigurationError(f"organisation {organisation!r} has no keys")
    return versions


def _rewrap(
    session: Session,
    organisation: str,
    unwrap: Callable[[Session | Connection, str, int], AESGCM],
    new: AESGCM,
    new_version: int,
    batch: int,
) -> int:
    """Re-wrap up to ``batch`` subject keys still under an older version; returns how many.
    Holds the new version (FOR SHARE) so a concurrent rotation cannot delete it meanwhile; if one
    already did, stops: that rotation re-wraps what is left."""
    if hold_organisation_key(session, organisation, new_version) is None:
        return 0
    rows = session.execute(
        select(
            SubjectKeyRow.subject_id, SubjectKeyRow.wrapped, SubjectKeyRow.organisation_key_version
        )
        .where(
            SubjectKeyRow.organisation_id == organisation,
            SubjectKeyRow.organisation_key_version < new_version,
        )
        .order_by(SubjectKeyRow.subject_id)
        .limit(batch)
        .with_for_update()
    ).all()
    updates = []
    for subject, wrapped, version in rows:
        bound = context(organisation, subject)
        try:
            key = unwrap(session, organisation, version).decrypt(
                wrapped[:NONCE], wrapped[NONCE:], bound
            )
        except InvalidTag:
            raise TamperedData(
                f"the data key of subject {subject} does not belong to them; rotation stopped",
                hint="keys re-wrapped so far stay readable; restore this key from a backup",
            ) from None
        nonce = os.urandom(NONCE)
        updates.append({"s": subject, "w": nonce + new.encrypt(nonce, key, bound)})
    if updates:
        table = KeyBase.metadata.tables[SubjectKeyRow.__tablename__]
        session.connection().execute(
            update(table)
            .where(table.c.organisation_id == organisation, table.c.subject_id == bindparam("s"))
            .values(wrapped=bindparam("w"), organisation_key_version=new_version),
            updates,
        )
    return len(updates)

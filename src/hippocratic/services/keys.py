"""Key rotation without downtime or data loss.

``rotate`` writes a new master key to ``<master key file>.next`` (0600), re-wraps every
organisation and service key under it in one key-store transaction, moves it over the old file
(the old master key is gone), then puts every subject key under a new organisation key version
and deletes the old versions. Data keys and ciphertext are untouched, so every value stays
readable throughout; a running server picks the new master key up from its file on its next
unwrap. If the process stops between the commit and the move, the committed key is found in
``.next`` (by ``open_store`` and by every file-backed master key).

Because the old master key and old organisation key versions are destroyed, a key-store backup
taken before a rotation can no longer unwrap anything: that is what makes a shred final in
key-store backups too (see ``storage.keystore``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from hippocratic.domain.clock import Clock, SystemClock
from hippocratic.errors import ConfigurationError
from hippocratic.services import security_event
from hippocratic.services.store import MASTER_FILE, Store, keys_dir
from hippocratic.storage.database import database_url, make_engine
from hippocratic.storage.keystore import (
    MASTER_KEY_ENV,
    LocalMasterKey,
    OrganisationKeyRow,
    keystore_url,
    open_key_engine,
)
from hippocratic.storage.schema import has_schema
from hippocratic.storage.vault import Vault
from hippocratic.storage.witness import standing_witnesses


@dataclass(frozen=True)
class RotationReport:
    master_key_id: str
    previous_master_key_id: str
    master_rewrapped: int
    subject_keys_rewrapped: dict[str, int]
    organisation_key_versions: dict[str, int]


def rotate(
    db: str | None = None,
    keys: Path | None = None,
    master_key_file: Path | None = None,
    clock: Clock | None = None,
) -> RotationReport:
    """Rotate the master key and every organisation key of the store at ``db``."""
    if os.environ.get(MASTER_KEY_ENV):
        raise ConfigurationError(
            f"the master key comes from {MASTER_KEY_ENV}; a rotation cannot replace it there",
            hint=f"unset {MASTER_KEY_ENV}, save its value to a file (0600) and pass "
            "--master-key-file; after rotating, store the new file's content in its place",
        )
    url = database_url(db)
    engine = make_engine(url, must_exist=True)
    if not has_schema(engine):
        engine.dispose()
        raise ConfigurationError(
            f"no Hippocratic store at {url}",
            hint="create one with `hippocratic init --policy FILE`",
        )
    directory = keys_dir(keys)
    master_path = master_key_file or directory / MASTER_FILE
    current = LocalMasterKey.from_file(master_path)
    key_engine = open_key_engine(keystore_url(directory))
    try:
        the_clock = clock or SystemClock()
        vault = Vault(key_engine, current, the_clock.now)
        previous = current.key_id
        pending = master_path.with_name(master_path.name + ".next")
        pending.unlink(missing_ok=True)
        new_master = LocalMasterKey.create_file(pending)
        rewrapped = vault.rotate_master(new_master)
        os.replace(pending, master_path)
        with key_engine.connect() as connection:
            organisations = sorted(
                set(connection.scalars(select(OrganisationKeyRow.organisation_id)))
            )
        subjects = {org: vault.rotate_organisation_key(org) for org in organisations}
        with key_engine.connect() as connection:
            versions = {
                org: int(version)
                for org, version in connection.execute(
                    select(OrganisationKeyRow.organisation_id, OrganisationKeyRow.version)
                )
            }
        store = Store(
            engine,
            key_engine,
            vault,
            the_clock,
            sessionmaker(engine),
            witnesses=standing_witnesses(key_engine, directory),
        )
        for org, version in versions.items():
            security_event.record_now(
                store,
                org,
                security_event.OPERATOR,
                security_event.OPERATOR,
                "keys.rotated",
                reason=f"master key {new_master.key_id}, organisation key version {version}, "
                f"{subjects.get(org, 0)} subject keys rewrapped",
            )
    finally:
        key_engine.dispose()
        engine.dispose()
    return RotationReport(new_master.key_id, previous, rewrapped, subjects, versions)

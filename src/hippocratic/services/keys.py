"""Key rotation without downtime or data loss.

``rotate`` writes a new master key to ``master.key.next`` (0600), re-wraps every organisation and
service key under it in one key-store transaction, re-wraps every subject key under a new
organisation key version, then moves the new master key into place. Ciphertext is untouched, so
every value stays readable throughout. If the process stops between the commit and the move,
``open_store`` finds the committed key in ``master.key.next``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hippocratic.services.store import MASTER_FILE, NEXT_MASTER_FILE, Store, keys_dir
from hippocratic.storage.keystore import LocalMasterKey


@dataclass(frozen=True)
class RotationReport:
    master_rewrapped: int
    subject_keys_rewrapped: dict[str, int]
    master_key_id: str


def rotate(store: Store, keys: Path | None = None) -> RotationReport:
    directory = keys_dir(keys)
    pending = directory / NEXT_MASTER_FILE
    pending.unlink(missing_ok=True)
    new_master = LocalMasterKey.create_file(pending)
    rewrapped = store.vault.rotate_master(new_master)
    os.replace(pending, directory / MASTER_FILE)
    with store.sessions() as session:
        organisations = store.organisations(session)
    subjects = {org: store.vault.rotate_organisation_key(org) for org in organisations}
    return RotationReport(rewrapped, subjects, new_master.key_id)

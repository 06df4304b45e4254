"""``hippocratic backup``: the data and the key store, each in its own file, apart.

    DIR/manifest.json            what was taken, when, from where, and every file's SHA-256
    DIR/data/sqlite.db           the data database (or postgresql.dump): ciphertext, no key
    DIR/keys/sqlite.db           the key store (or postgresql.dump): keys, the disposal register

Before the copy, each organisation's ledger gets a ``store.backed_up`` event and its head is
signed (``ledger.checkpoint``), so the witnesses outside the database hold the very head the
backup holds, and the manifest names it (seq and hash). The manifest also notes how far each
organisation's disposal register reached, so a restore can say how many subjects were erased
after the backup.

The master key is never copied: a key-store backup opens nothing without it, and the next key
rotation makes it useless for good (docs/backup.md). Keep ``keys/`` somewhere other than
``data/``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hippocratic.domain.clock import Clock
from hippocratic.errors import BackupTampered, Conflict, InputError
from hippocratic.services import security_event
from hippocratic.services.audit import sign_head
from hippocratic.services.store import keys_dir, open_store
from hippocratic.storage import database_copy, disposal_register
from hippocratic.storage.database import database_url
from hippocratic.storage.keystore import keystore_url

FORMAT = "hippocratic-backup/1"
MANIFEST = "manifest.json"
DATA = "data"
KEYS = "keys"


class LedgerHead(BaseModel):
    seq: int
    hash: str
    signed_at: datetime


class BackupFile(BaseModel):
    sha256: str
    bytes: int


class Manifest(BaseModel):
    """What ``manifest.json`` says; a restore refuses a backup whose files differ from it."""

    format: str
    backup_id: str
    taken_at: datetime
    store_url: str
    """Without any password."""
    store_engine: str
    key_store_url: str
    key_store_engine: str
    master_key_id: str
    """The master key the key-store backup is wrapped under (a rotation retires it)."""
    ledger: dict[str, LedgerHead]
    disposal_register: dict[str, int]
    """Per organisation, the register's latest entry at the backup."""
    files: dict[str, BackupFile]
    """Path under the backup folder, e.g. ``data/sqlite.db``: its digest and size."""

    def file_in(self, folder: str) -> str:
        found = [name for name in self.files if name.startswith(f"{folder}/")]
        if len(found) != 1:
            raise InputError(f"the manifest lists no single {folder}/ file", field="from")
        return found[0]


@dataclass(frozen=True)
class BackupReport:
    backup_id: str
    taken_at: datetime
    folder: str
    store_url: str
    ledger: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]]
    disposal_register: dict[str, int] = field(default_factory=dict)


def take_backup(
    out: Path, db: str | None = None, keys: Path | None = None, clock: Clock | None = None
) -> BackupReport:
    """Back up the store at ``db`` (keys in ``keys``) into the new or empty folder ``out``."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Conflict(
            f"{out} already holds files; a backup is written into a new or empty folder",
            hint="give --out a new folder, e.g. one named after today's date",
        )
    url = database_url(db)
    directory = keys_dir(keys)
    key_url = keystore_url(directory)
    store = open_store(db, keys, clock)
    try:
        backup_id = str(uuid.uuid4())
        taken_at = store.clock.now()
        with store.sessions() as session:
            organisations = store.organisations(session)
        heads: dict[str, LedgerHead] = {}
        for organisation in organisations:
            security_event.record_now(
                store,
                organisation,
                security_event.OPERATOR,
                security_event.OPERATOR,
                "store.backed_up",
                reason=f"backup {backup_id}",
            )
            signed = sign_head(store, organisation)
            if signed is not None:
                heads[organisation] = LedgerHead(
                    seq=signed.seq, hash=signed.hash.hex(), signed_at=signed.signed_at
                )
        register = disposal_register.high_water(store.key_engine)
        master_key_id = store.vault.master_key_id
        for folder in (DATA, KEYS):
            (out / folder).mkdir(parents=True, exist_ok=True, mode=0o700)
        out.chmod(0o700)
        data_file = database_copy.dump(url, out / DATA)
        key_file = database_copy.dump(key_url, out / KEYS)
    finally:
        store.dispose()
    files = {
        f"{folder}/{path.name}": _described(path)
        for folder, path in ((DATA, data_file), (KEYS, key_file))
    }
    for path in (data_file, key_file):
        path.chmod(0o600)
    manifest = Manifest(
        format=FORMAT,
        backup_id=backup_id,
        taken_at=taken_at.astimezone(UTC),
        store_url=database_copy.public_url(url),
        store_engine=database_copy.engine_of(url),
        key_store_url=database_copy.public_url(key_url),
        key_store_engine=database_copy.engine_of(key_url),
        master_key_id=master_key_id,
        ledger=heads,
        disposal_register=register,
        files=files,
    )
    (out / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return BackupReport(
        backup_id,
        manifest.taken_at,
        str(out),
        manifest.store_url,
        {org: head.model_dump(mode="json") for org, head in heads.items()},
        {name: described.model_dump() for name, described in files.items()},
        register,
    )


def read_manifest(folder: Path) -> Manifest:
    """The backup's manifest; ``InputError`` if there is none or it is not one."""
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} cannot be read as a backup manifest: {exc}",
            field="from",
            hint="give --from the folder `hippocratic backup --out` wrote",
        ) from exc
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        raise InputError(f"{path} is not a backup manifest: {exc}", field="from") from exc
    if manifest.format != FORMAT:
        raise InputError(f"{path} is a {manifest.format!r} manifest, not {FORMAT}", field="from")
    return manifest


def check_file(folder: Path, manifest: Manifest, name: str) -> Path:
    """The backup file ``name`` once its SHA-256 and size match the manifest's;
    ``BackupTampered`` otherwise (changed, cut short or missing)."""
    path = folder / name
    expected = manifest.files[name]
    if not path.is_file():
        raise BackupTampered(
            f"the backup file {name} is missing from {folder}", field="from", hint=_ASIDE
        )
    found = _described(path)
    if found != expected:
        raise BackupTampered(
            f"the backup file {name} does not match its manifest (SHA-256 {found.sha256[:16]}"
            f", {found.bytes} bytes; the manifest says {expected.sha256[:16]}, "
            f"{expected.bytes} bytes): it was changed or damaged; nothing was restored",
            field="from",
            hint=_ASIDE,
        )
    return path


_ASIDE = "use another backup; keep this one aside as evidence"


def _described(path: Path) -> BackupFile:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return BackupFile(sha256=digest.hexdigest(), bytes=size)


__all__ = [
    "DATA",
    "KEYS",
    "BackupReport",
    "Manifest",
    "check_file",
    "read_manifest",
    "take_backup",
]

"""``hippocratic restore``: older data back, and every erasure since still in force.

In this order, and nothing opened for use until the end:

1. the manifest is read and each file needed is checked against its SHA-256 (a file that
   differs is refused, ``BackupTampered``, and nothing is touched);
2. a target that already holds a store is refused unless ``force`` (stop the server first);
3. the live key store is read: its disposal register, tombstones, witnessed checkpoints and
   rollback statements, and what the witnesses hold of each chain;
4. the data database is replaced by the backup's copy; with ``keys_too`` the key store is as
   well (only if its master key is still the one in use), and everything read in step 3 is put
   back into it, so a key-store backup cannot forget a shred or a checkpoint;
5. the disposal register is replayed: every subject in it loses any key the restored key store
   holds (``Vault.shred_many``) and every row a whole erasure deletes (``disposal_replay``), so
   a patient erased after the backup is unreadable (``Erased``) and absent from every list;
   then the deletion register (``disposal_deletions``): every record a retention sweep or a
   partial erasure deleted or anonymised while the patient's key lived on is again;
6. the store is opened: each organisation's ledger gets a ``store.restored`` event (the backup,
   the head restored, how many events witnesses had seen past it, how many subjects were erased
   again: counts, never names), its head is signed, and a rollback statement signed by the
   organisation's key goes to the key store (``ledger_rollback``), so ``audit verify`` explains
   the rollback instead of failing on it, or passing over it in silence;
7. the ledger is verified, and the report says what verification says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.domain.clock import Clock, SystemClock
from hippocratic.errors import ConfigurationError, Conflict, InputError, StoreExists
from hippocratic.services import security_event, site_analytics
from hippocratic.services.audit import sign_head, verify_store
from hippocratic.services.backup import DATA, KEYS, Manifest, check_file, read_manifest
from hippocratic.services.store import MASTER_FILE, keys_dir, open_store
from hippocratic.storage import (
    database_copy,
    disposal_deletions,
    disposal_register,
    ledger_rollback,
)
from hippocratic.storage.database import database_url, make_engine
from hippocratic.storage.disposal_deletions import Deletion
from hippocratic.storage.disposal_register import DisposalEntry
from hippocratic.storage.disposal_replay import replay
from hippocratic.storage.keystore import (
    LocalMasterKey,
    MasterKey,
    ShreddedSubjectRow,
    keystore_url,
    open_key_engine,
)
from hippocratic.storage.ledger import AuditHeadRow
from hippocratic.storage.ledger_rollback import NO_HASH, Rollback
from hippocratic.storage.schema import has_schema
from hippocratic.storage.vault import Vault
from hippocratic.storage.witness import Checkpoint, KeyStoreWitness, Witness


@dataclass(frozen=True)
class OrganisationRestored:
    organisation: str
    restored_to: int
    """The ledger head the backup held (its signed checkpoint)."""
    lost_events: int
    """Events past it that a witness had seen before the restore: lost with the newer data."""
    erased_since_backup: int
    """Subjects the disposal register entered after the backup: erased again."""
    held_again: int
    """Subjects of the register the restored data still held rows of (deleted again)."""
    keys_destroyed: int
    """Keys the restored key store had brought back (destroyed again)."""
    deleted_again: int
    """Records (and fields) the deletion register names that the restored data still held:
    deleted again (a sweep's deletes, a partial erasure's)."""
    anonymised_again: int
    """Records the register names as anonymised that had their patient back: anonymised again."""
    head: int
    """The head after the restore's own event."""


@dataclass(frozen=True)
class RestoreReport:
    backup_id: str
    taken_at: datetime
    restored_at: datetime
    store_url: str
    keys_restored: bool
    live_register: bool
    """Whether a live key store was there to replay; without one only the shreds the
    key-store backup knew of could be."""
    organisations: list[OrganisationRestored]
    verification: list[dict[str, Any]]

    @property
    def erased_again(self) -> int:
        return sum(o.erased_since_backup for o in self.organisations)

    @property
    def verified(self) -> bool:
        return all(item["ok"] for item in self.verification)


@dataclass(frozen=True)
class _Live:
    """What the live key store knew before the restore."""

    there: bool
    register: list[DisposalEntry]
    deletions: list[Deletion]
    tombstones: list[tuple[str, str, datetime]]
    checkpoints: list[Checkpoint]
    rollbacks: list[Rollback]


def restore(
    source: Path,
    db: str | None = None,
    keys: Path | None = None,
    *,
    keys_too: bool = False,
    force: bool = False,
    clock: Clock | None = None,
) -> RestoreReport:
    """Restore the backup in ``source`` over the store at ``db``; see the module docstring."""
    the_clock = clock or SystemClock()
    manifest = read_manifest(source)
    data_file = check_file(source, manifest, manifest.file_in(DATA))
    key_file = check_file(source, manifest, manifest.file_in(KEYS)) if keys_too else None
    url, directory = database_url(db), keys_dir(keys)
    key_url = keystore_url(directory)
    if database_copy.engine_of(url) != manifest.store_engine:
        raise InputError(
            f"the backup holds a {manifest.store_engine} database; {database_copy.public_url(url)}"
            f" is {database_copy.engine_of(url)}",
            field="db",
        )
    _refuse_running(url, force)
    master = _master(directory)
    if keys_too and master.key_id != manifest.master_key_id:
        raise Conflict(
            f"the key-store backup is wrapped under master key {manifest.master_key_id}, "
            f"retired by a key rotation since (the master key now is {master.key_id}): it "
            "opens nothing; nothing was restored",
            hint="restore without --keys-too, keeping the live key store",
        )
    live = _read_live(key_url, directory)
    if not live.there and not keys_too:
        raise ConfigurationError(
            f"there is no key store at {database_copy.public_url(key_url)}; nothing was restored",
            hint="restore with --keys-too to bring the key store back from the backup as well",
        )
    database_copy.load(url, data_file)
    key_engine = open_key_engine(key_url)
    try:
        if key_file is not None:
            key_engine.dispose()
            database_copy.load(key_url, key_file)
            _put_back(key_engine, live)
        replayed = _replay(url, key_engine, master, the_clock, manifest)
    finally:
        key_engine.dispose()
    return _reopen(manifest, db, keys, the_clock, live, replayed, keys_too)


def _refuse_running(url: str, force: bool) -> None:
    engine = make_engine(url)
    try:
        holds = has_schema(engine)
    finally:
        engine.dispose()
    if holds and not force:
        raise StoreExists(
            f"{database_copy.public_url(url)} holds a store; a restore replaces all of its data "
            "with the backup's; nothing was restored",
            hint="stop the server (`hippocratic serve`) and anything else using the store, "
            "then restore with --force",
        )


def _master(directory: Path) -> MasterKey:
    return LocalMasterKey.from_environment() or LocalMasterKey.from_file(directory / MASTER_FILE)


def _key_store_there(key_url: str) -> bool:
    if database_copy.engine_of(key_url) == database_copy.SQLITE:
        return database_copy.sqlite_path(key_url).is_file()
    engine = open_key_engine(key_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _read_live(key_url: str, directory: Path) -> _Live:
    if not _key_store_there(key_url):
        return _Live(False, [], [], [], [], [])
    engine = open_key_engine(key_url)
    try:
        witness = KeyStoreWitness(engine)
        checkpoints = [c for org in sorted(witness.organisations()) for c in witness.held(org)]
        with Session(engine) as session:
            tombstones = [
                (row.organisation_id, row.subject_id, row.shredded_at)
                for row in session.scalars(select(ShreddedSubjectRow))
            ]
        return _Live(
            True,
            disposal_register.entries(engine),
            disposal_deletions.entries(engine),
            tombstones,
            checkpoints,
            ledger_rollback.held(engine),
        )
    finally:
        engine.dispose()


def _put_back(engine: Engine, live: _Live) -> None:
    """Into a key store restored from a backup: what the live one knew that it does not."""
    disposal_register.carry_over(engine, live.register)
    disposal_deletions.carry_over(engine, live.deletions)
    if live.checkpoints:
        KeyStoreWitness(engine).record(live.checkpoints)
    ledger_rollback.carry_over(engine, live.rollbacks)
    with Session(engine) as session, session.begin():
        for organisation, subject, at in live.tombstones:
            if session.get(ShreddedSubjectRow, (organisation, subject)) is None:
                session.add(
                    ShreddedSubjectRow(
                        organisation_id=organisation, subject_id=subject, shredded_at=at
                    )
                )


@dataclass(frozen=True)
class _Replayed:
    since: int
    held_again: int
    keys_destroyed: int
    deleted_again: int = 0
    anonymised_again: int = 0


def _replay(
    url: str, key_engine: Engine, master: MasterKey, clock: Clock, manifest: Manifest
) -> dict[str, _Replayed]:
    """Step 5: the registers against the restored data and keys, per organisation: whole
    subjects (keys and rows), then each record deleted or anonymised without its subject's key,
    in the same data transaction."""
    vault = Vault(key_engine, master, clock.now)
    register = disposal_register.entries(key_engine)
    subjects: dict[str, list[str]] = {}
    for item in register:
        subjects.setdefault(item.organisation, []).append(item.subject)
    parts: dict[str, list[Deletion]] = {}
    for deletion in disposal_deletions.entries(key_engine):
        parts.setdefault(deletion.organisation, []).append(deletion)
    engine = make_engine(url, must_exist=True)
    done: dict[str, _Replayed] = {}
    try:
        for organisation in dict.fromkeys([*subjects, *parts]):
            named = subjects.get(organisation, [])
            # every key the restored store brought back, in one key-store transaction
            destroyed = vault.shred_many(organisation, named) if named else 0
            with sessionmaker(engine).begin() as session:
                rows = replay(session, organisation, named)
                again = disposal_deletions.replay(
                    session, organisation, parts.get(organisation, [])
                )
            mark = manifest.disposal_register.get(organisation, 0)
            since = sum(1 for e in register if e.organisation == organisation and e.entry > mark)
            done[organisation] = _Replayed(
                since, rows.subjects_with_data, destroyed, again.deleted, again.anonymised
            )
    finally:
        engine.dispose()
    return done


def _reopen(
    manifest: Manifest,
    db: str | None,
    keys: Path | None,
    clock: Clock,
    live: _Live,
    replayed: dict[str, _Replayed],
    keys_too: bool,
) -> RestoreReport:
    """Steps 6 and 7: the restore on each ledger, signed, then verified."""
    store = open_store(db, keys, clock)
    restored_at = clock.now()
    organisations: list[OrganisationRestored] = []
    try:
        with store.sessions() as session:
            known = store.organisations(session)
        for organisation in known:
            with store.sessions() as session:  # the head the restored data holds
                head = session.get(AuditHeadRow, organisation)
                to_seq, to_hash = (head.seq, bytes(head.hash)) if head else (0, NO_HASH)
            seen = _newest_witnessed(store.witnesses, live.checkpoints, organisation)
            lost = seen if seen is not None and seen.seq > to_seq else None
            again = replayed.get(organisation, _Replayed(0, 0, 0))
            with store.sessions.begin() as session:  # analytics past their day, as the sweep did
                visits = site_analytics.dispose(
                    session,
                    store.policy_of(organisation),
                    organisation,
                    site_analytics.london_date(restored_at),
                )
            visits_again = f"; {visits[2]} website visit(s) {visits[1]}d again" if visits else ""
            security_event.record_now(
                store,
                organisation,
                security_event.OPERATOR,
                security_event.OPERATOR,
                "store.restored",
                reason=(
                    f"restored from backup {manifest.backup_id} taken "
                    f"{manifest.taken_at.isoformat()}: ledger back to event {to_seq}, "
                    f"{lost.seq - to_seq if lost else 0} witnessed event(s) after it lost; "
                    f"{again.since} subject(s) erased since the backup erased again; "
                    f"{again.deleted_again} record(s) that retention or a partial erasure "
                    f"deleted were deleted again, {again.anonymised_again} anonymised again"
                    + visits_again
                    + ("; key store restored too" if keys_too else "")
                ),
            )
            signed = sign_head(store, organisation)
            rollback = Rollback(
                organisation,
                to_seq,
                to_hash,
                lost.seq if lost else to_seq,
                lost.hash if lost else to_hash,
                restored_at,
                manifest.backup_id,
            ).signed(store.vault.signing_key(organisation))
            ledger_rollback.record(store.key_engine, rollback)
            organisations.append(
                OrganisationRestored(
                    organisation, to_seq, rollback.lost, again.since, again.held_again,
                    again.keys_destroyed, again.deleted_again, again.anonymised_again,
                    signed.seq if signed else 0,
                )
            )  # fmt: skip
        results = verify_store(store)
    finally:
        store.dispose()
    verification = [
        {
            "organisation": r.organisation,
            "ok": r.ok,
            "events": r.count,
            "signed_to": r.signed_to,
            "witnessed_to": r.witnessed_to,
            "problem": r.problem,
            "first_bad_seq": r.first_bad_seq,
            "rollbacks": list(r.rollbacks),
        }
        for r in results
    ]
    return RestoreReport(
        manifest.backup_id,
        manifest.taken_at,
        restored_at,
        database_copy.public_url(database_url(db)),
        keys_too,
        live.there,
        organisations,
        verification,
    )


def _newest_witnessed(
    witnesses: Sequence[Witness], earlier: Sequence[Checkpoint], organisation: str
) -> Checkpoint | None:
    """The newest checkpoint of the organisation's chain a witness held before the restore:
    the witnesses as they stand (the restore writes none of them until its own event) and what
    the live key store held (a key-store restore would otherwise hide it)."""
    held = [c for c in earlier if c.organisation == organisation]
    for witness in witnesses:
        held += witness.held(organisation)
    return max(held, key=lambda checkpoint: checkpoint.seq, default=None)


__all__ = ["OrganisationRestored", "RestoreReport", "restore"]

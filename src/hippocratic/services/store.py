"""Creating and opening a store: the database, the key store beside it, and the policy in it.

A store is a database URL plus a key directory holding ``master.key`` (0600), ``keys.db``,
the key store, and ``audit-witness.jsonl``, the witness of the audit chain's checkpoints. The
key directory is never inside a backup of the database, which is what makes crypto-shredding
hold for backups (see ``storage.keystore``) and the witness hold against a database writer
(see ``storage.witness``).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.domain.clock import Clock, SystemClock
from hippocratic.errors import ConfigurationError, NotFound, StoreExists
from hippocratic.guard.consent import ConsentStore, LedgerConsentStore
from hippocratic.policy.document import Policy
from hippocratic.policy.loader import load_policy_text
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import security_event
from hippocratic.storage.database import (
    DATABASE_URL_ENV,
    database_url,
    make_engine,
    snapshot,
)
from hippocratic.storage.group_commit import GroupCommit
from hippocratic.storage.keystore import LocalMasterKey, MasterKey, keystore_url, open_key_engine
from hippocratic.storage.notary import Notary
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.schema import existing_tables, has_schema, upgrade
from hippocratic.storage.vault import Vault
from hippocratic.storage.witness import Witness, standing_witnesses

KEYS_DIR_ENV = "HIPPOCRATIC_KEYS_DIR"
DEFAULT_KEYS_DIR = Path("var/keys")
MASTER_FILE = "master.key"
POLICY_RECHECK = 2.0
"""Seconds a process trusts its copy of a policy before checking the store's SHA-256 again."""
NEXT_MASTER_FILE = "master.key.next"


def keys_dir(explicit: Path | None = None) -> Path:
    return explicit or Path(os.environ.get(KEYS_DIR_ENV, DEFAULT_KEYS_DIR))


@dataclass
class Store:
    engine: Engine
    key_engine: Engine
    vault: Vault
    clock: Clock
    sessions: sessionmaker[Session]
    consents: ConsentStore = field(default_factory=LedgerConsentStore)
    witnesses: tuple[Witness, ...] = ()
    """Where each signed audit checkpoint is kept besides the database (``storage.witness``)."""
    group_commit: GroupCommit = field(init=False)
    """Where reads' audit events are committed, several requests' at once under load."""
    _notaries: dict[str, Notary] = field(default_factory=dict)
    _policies: dict[str, tuple[Policy, str, float]] = field(default_factory=dict)
    """Per organisation: its policy, the SHA-256 it was read at, and when that was checked."""

    def __post_init__(self) -> None:
        self.group_commit = GroupCommit(self.sessions, self.engine)

    def policy(self, session: Session, organisation: str) -> Policy:
        """The organisation's policy as the store holds it now: parsed once per version, and
        its SHA-256 looked at again at most every ``POLICY_RECHECK`` seconds, so a change made
        by ``organisation update`` in another process is enforced here within that time."""
        cached = self._policies.get(organisation)
        now = time.monotonic()
        if cached is not None and now - cached[2] < POLICY_RECHECK:
            return cached[0]
        digest = session.scalar(
            select(OrganisationRow.policy_sha256).where(
                OrganisationRow.organisation_id == organisation
            )
        )
        if digest is None:
            raise NotFound(f"no organisation {organisation!r} in this store")
        if cached is not None and cached[1] == digest:
            self._policies[organisation] = (cached[0], digest, now)
            return cached[0]
        row = session.get(OrganisationRow, organisation)
        assert row is not None
        policy = _cached_policy(row.policy_sha256, row.policy_yaml)
        self._policies[organisation] = (policy, row.policy_sha256, now)
        return policy

    def policy_of(self, organisation: str) -> Policy:
        """``policy``, read in a read-only snapshot when it must be read at all, so a caller
        may ask from inside its own write transaction (on SQLite a second writer would wait
        on the first)."""
        cached = self._policies.get(organisation)
        if cached is not None and time.monotonic() - cached[2] < POLICY_RECHECK:
            return cached[0]
        with snapshot(self.engine) as session:
            return self.policy(session, organisation)

    def forget_policy(self, organisation: str) -> None:
        """Read the organisation's policy afresh next time (it was changed in the store)."""
        self._policies.pop(organisation, None)

    def notary(self, organisation: str) -> Notary:
        """The organisation's checkpoint signer, one per store, so that what it remembers of
        the latest checkpoint is shared by every append this process makes."""
        notary = self._notaries.get(organisation)
        if notary is None:
            notary = Notary(self.vault.signing_key(organisation), self.witnesses)
            self._notaries[organisation] = notary
        return notary

    def organisations(self, session: Session) -> list[str]:
        return list(session.scalars(select(OrganisationRow.organisation_id)))

    def dispose(self) -> None:
        self.engine.dispose()
        self.key_engine.dispose()


_POLICIES: dict[str, Policy] = {}


def _cached_policy(digest: str, text: str) -> Policy:
    if digest not in _POLICIES:
        _POLICIES[digest] = load_policy_text(text, "stored policy")
    return _POLICIES[digest]


def _master(directory: Path, key_engine: Engine) -> MasterKey:
    """The master key from the environment or the key directory; after an interrupted rotation,
    the committed key is still in ``master.key.next``."""
    from_env = LocalMasterKey.from_environment()
    if from_env is not None:
        return from_env
    current = LocalMasterKey.from_file(directory / MASTER_FILE)
    pending = directory / NEXT_MASTER_FILE
    if pending.exists():
        with key_engine.connect() as connection:
            in_use = connection.exec_driver_sql(
                "SELECT master_key_id FROM organisation_key LIMIT 1"
            ).scalar()
        candidate = LocalMasterKey.from_file(pending)
        if in_use == candidate.key_id:
            os.replace(pending, directory / MASTER_FILE)
            return candidate
    return current


def locate(db: str | None = None, keys: Path | None = None) -> dict[str, str]:
    """Where ``open_store(db, keys)`` would look, as the environment that says so (for
    another process, such as a server worker, to open the same store)."""
    return {DATABASE_URL_ENV: database_url(db), KEYS_DIR_ENV: str(keys_dir(keys).resolve())}


def open_store(
    db: str | None = None, keys: Path | None = None, clock: Clock | None = None
) -> Store:
    url = database_url(db)
    directory = keys_dir(keys)
    engine = make_engine(url, must_exist=True)
    if not has_schema(engine):
        raise ConfigurationError(
            f"no Hippocratic store at {url}",
            hint="create one with `hippocratic init --policy FILE`",
        )
    key_engine = open_key_engine(keystore_url(directory))
    the_clock = clock or SystemClock()
    vault = Vault(key_engine, _master(directory, key_engine), the_clock.now)
    return Store(
        engine,
        key_engine,
        vault,
        the_clock,
        sessionmaker(engine, expire_on_commit=False),
        witnesses=standing_witnesses(key_engine, directory),
    )


def init_store(
    policy_path: Path, db: str | None = None, keys: Path | None = None, clock: Clock | None = None
) -> Store:
    """Create a store for one organisation's policy; refuse, without touching anything, if the
    database already holds a store or the key directory already holds keys, or if the policy
    fails any of ``policy check``'s checks (the guard would enforce what the checks refuse)."""
    policy = load_sound_policy(policy_path)
    url = database_url(db)
    directory = keys_dir(keys)
    engine = make_engine(url)
    if has_schema(engine):
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT COUNT(*) FROM organisation").scalar()
        engine.dispose()
        raise StoreExists(
            f"{url} already holds a Hippocratic store ({count} organisation(s)); "
            "nothing was changed",
            hint="use a new --db, or back up and remove the existing store first",
        )
    foreign = existing_tables(engine)
    if foreign:
        engine.dispose()
        raise StoreExists(
            f"{url} already holds other tables ({', '.join(foreign[:5])}); nothing was changed",
            hint="give init an empty database",
        )
    if _holds_keys(directory):
        engine.dispose()
        raise StoreExists(
            f"{directory} already holds keys; nothing was changed",
            hint="give a new --keys directory; never reuse or delete keys of a live store",
        )
    the_clock = clock or SystemClock()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    master = LocalMasterKey.from_environment() or LocalMasterKey.create_file(
        directory / MASTER_FILE
    )
    upgrade(engine)
    key_engine = open_key_engine(keystore_url(directory))
    Vault.create_schema(key_engine)
    directory.chmod(0o700)
    for path in directory.iterdir():
        path.chmod(0o600)
    vault = Vault(key_engine, master, the_clock.now)
    vault.create_organisation(policy.organisation.key)
    store = Store(
        engine,
        key_engine,
        vault,
        the_clock,
        sessionmaker(engine, expire_on_commit=False),
        witnesses=standing_witnesses(key_engine, directory),
    )
    with store.sessions.begin() as session:
        row = _organisation_row(policy, policy_path, the_clock)
        session.add(row)
        _created(session, store, row, "store.initialised")
    return store


def _created(session: Session, store: Store, row: OrganisationRow, action: str) -> None:
    """The first event of an organisation's ledger: which policy (by SHA-256) it began under."""
    session.flush()
    security_event.record(
        session,
        store,
        row.organisation_id,
        security_event.OPERATOR,
        security_event.OPERATOR,
        action,
        reason=f"policy sha256 {row.policy_sha256}",
    )


def _holds_keys(directory: Path) -> bool:
    """A master key file, or a key store (the default ``keys.db`` or the configured one) that
    already has tables: either way, init must not mint keys over it."""
    if (directory / MASTER_FILE).exists() or (directory / "keys.db").exists():
        return True
    url = keystore_url(directory)
    if url == f"sqlite:///{directory / 'keys.db'}":
        return False
    key_engine = open_key_engine(url)
    try:
        return bool(existing_tables(key_engine))
    finally:
        key_engine.dispose()


def add_organisation(store: Store, policy_path: Path) -> str:
    """Add another organisation, with its own policy and keys, to an existing store; refuse,
    changing nothing, a policy that fails ``policy check``."""
    policy = load_sound_policy(policy_path)
    with store.sessions.begin() as session:
        if session.get(OrganisationRow, policy.organisation.key) is not None:
            raise StoreExists(f"organisation {policy.organisation.key!r} is already in this store")
        store.vault.create_organisation(policy.organisation.key)
        row = _organisation_row(policy, policy_path, store.clock)
        session.add(row)
        _created(session, store, row, "organisation.added")
    return policy.organisation.key


def _organisation_row(policy: Policy, policy_path: Path, clock: Clock) -> OrganisationRow:
    text = policy_path.read_text(encoding="utf-8")
    return OrganisationRow(
        organisation_id=policy.organisation.key,
        name=policy.organisation.display_name,
        policy_yaml=text,
        policy_sha256=hashlib.sha256(text.encode()).hexdigest(),
        created_at=clock.now(),
    )

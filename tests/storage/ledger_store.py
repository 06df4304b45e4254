"""A bare audit ledger on one backend, and synthetic events, for the ledger's own tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.storage.database import Base, make_engine, session_factory
from hippocratic.storage.ledger import (
    BODY_COLUMNS,
    CHECKPOINT_EVERY,
    AuditEvent,
    AuditEventRow,
    append,
    body,
    link,
)
from hippocratic.storage.ledger_checkpoints import Witnessed
from hippocratic.storage.ledger_verify import VerifyResult, verify
from hippocratic.storage.notary import Notary
from hippocratic.storage.witness import Checkpoint

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ORG = "harmonic"


def events(count: int, offset: int = 0, subject: str | None = None) -> list[AuditEvent]:
    return [
        AuditEvent(
            at=START + timedelta(seconds=offset + n),
            actor=f"user{(offset + n) % 7}",
            role="reception",
            purpose="care",
            subject=subject or f"s{(offset + n) % 11}",
            action="read",
            outcome="allowed" if n % 5 else "denied",
            fields=("full_name", "date_of_birth"),
            categories=("identity",),
            rule_ids=("role:reception/purpose:care",),
            request_id=f"r{offset + n}",
            reason=None if n % 3 else "no care relationship",
        )
        for n in range(count)
    ]


class Remembered:
    """A witness that keeps checkpoints in memory: the smallest thing ``Witness`` allows, as
    an external one (another server, a timestamp authority) would plug in."""

    name = "the remembering witness"

    def __init__(self) -> None:
        self.kept: list[Checkpoint] = []

    def record(self, checkpoints: Sequence[Checkpoint]) -> None:
        self.kept.extend(checkpoints)

    def held(self, organisation: str) -> list[Checkpoint]:
        return sorted((c for c in self.kept if c.organisation == organisation), key=lambda c: c.seq)

    def organisations(self) -> set[str]:
        return {c.organisation for c in self.kept}


@dataclass
class Ledger:
    engine: Engine
    sessions: sessionmaker[Session]
    signer: Ed25519PrivateKey
    witness: Remembered = field(default_factory=Remembered)
    notary: Notary = field(init=False)

    def __post_init__(self) -> None:
        self.notary = Notary(self.signer, [self.witness])

    def append(
        self, items: Sequence[AuditEvent], org: str = ORG, every: int = CHECKPOINT_EVERY
    ) -> int:
        with self.sessions.begin() as session:
            return append(session, org, items, self.notary, checkpoint_every=every)

    def witnessed(self, org: str = ORG) -> list[Witnessed]:
        return [Witnessed(self.witness.name, c) for c in self.witness.held(org)]

    def verify(self, org: str = ORG, *, witnessed: bool = True) -> VerifyResult:
        with self.sessions() as session:
            return verify(
                session,
                org,
                self.signer.public_key(),
                witnessed=self.witnessed(org) if witnessed else (),
            )

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(sql), params)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def unguard(self) -> None:
        unguard(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_ledger(database_url: str) -> Ledger:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    return Ledger(engine, session_factory(engine), Ed25519PrivateKey.generate())


def unguard(engine: Engine) -> None:
    """Drop every ledger trigger, as someone with full database access could."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
            for name in list(names):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            rows = connection.exec_driver_sql(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                "AND c.relnamespace = current_schema()::regnamespace"
            ).all()
            for name, table in rows:
                connection.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")


def tamper(database_url: str, sql: str) -> None:
    """Get past the ledger's triggers and run ``sql`` on the store, as an attacker could."""
    engine = make_engine(database_url)
    try:
        unguard(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def rewrite(database_url: str, organisation: str, seq: int, **changes: str) -> None:
    """Change event ``seq`` and recompute the hash of it, of every later event and of the head,
    as someone with full database access and the ledger's source could."""
    events_table = AuditEventRow.__table__
    engine = make_engine(database_url)
    try:
        unguard(engine)
        with engine.begin() as connection:
            rows = connection.execute(
                select(events_table)
                .where(events_table.c.organisation_id == organisation, events_table.c.seq >= seq)
                .order_by(events_table.c.seq)
            ).mappings()
            previous: bytes | None = None
            for row in list(rows):
                values = {**row, **(changes if row["seq"] == seq else {})}
                previous = bytes(row["prev_hash"]) if previous is None else previous
                digest = link(previous, body([values[column] for column in BODY_COLUMNS]))
                connection.execute(
                    update(events_table)
                    .where(
                        events_table.c.organisation_id == organisation,
                        events_table.c.seq == row["seq"],
                    )
                    .values(**{**values, "prev_hash": previous, "hash": digest})
                )
                previous = digest
            connection.execute(
                text("UPDATE audit_head SET hash = :h WHERE organisation_id = :o"),
                {"h": previous, "o": organisation},
            )
    finally:
        engine.dispose()


def forge_onto_head(database_url: str, organisation: str, at: datetime) -> int:
    """Append an event with a correct hash after the head and move the head to it, as someone
    with full database access could; returns its seq."""
    engine = make_engine(database_url)
    try:
        unguard(engine)
        with engine.begin() as connection:
            seq, previous = connection.execute(
                text("SELECT seq, hash FROM audit_head WHERE organisation_id = :o"),
                {"o": organisation},
            ).one()
            values = [at.isoformat(), "mallory", "dpo", "care", None, "read", "allowed",
                      "[]", "[]", "[]", None, None]  # fmt: skip
            digest = link(bytes(previous), body(values))
            connection.execute(
                insert(AuditEventRow.__table__).values(
                    organisation_id=organisation,
                    seq=seq + 1,
                    prev_hash=bytes(previous),
                    hash=digest,
                    **dict(zip(BODY_COLUMNS, values, strict=True)),
                )
            )
            connection.execute(
                text("UPDATE audit_head SET seq = :s, hash = :h WHERE organisation_id = :o"),
                {"s": seq + 1, "h": digest, "o": organisation},
            )
    finally:
        engine.dispose()
    return int(seq) + 1

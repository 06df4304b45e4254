"""A bare audit ledger on one backend, and synthetic events, for the ledger's own tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.storage.database import Base, make_engine, session_factory
from hippocratic.storage.ledger import CHECKPOINT_EVERY, AuditEvent, append
from hippocratic.storage.ledger_verify import VerifyResult, verify

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


@dataclass
class Ledger:
    engine: Engine
    sessions: sessionmaker[Session]
    signer: Ed25519PrivateKey

    def append(
        self, items: Sequence[AuditEvent], org: str = ORG, every: int = CHECKPOINT_EVERY
    ) -> int:
        with self.sessions.begin() as session:
            return append(session, org, items, self.signer, checkpoint_every=every)

    def verify(self, org: str = ORG) -> VerifyResult:
        with self.sessions() as session:
            return verify(session, org, self.signer.public_key())

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

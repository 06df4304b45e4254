"""One way to reach the store, whichever engine holds it: SQLite (embedded) or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    SQLColumnExpression,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from hippocratic.errors import ConfigurationError

T = TypeVar("T")
Operand: TypeAlias = T | SQLColumnExpression[T]
"""A Python value, or a column or bound parameter standing for one in SQL."""

DEFAULT_DATABASE_URL = "sqlite:///var/hippocratic.db"
DATABASE_URL_ENV = "HIPPOCRATIC_DATABASE_URL"
READ_ONLY = "hippocratic_read_only"
"""Connection execution option: this transaction only reads (see ``snapshot``)."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Instant(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always read back timezone-aware, on both engines
    (SQLite keeps no offset, so without this a value read back is naive and an aware one
    written with another offset would be stored as its wall-clock time)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("a stored moment must carry its UTC offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Every table carries ``organisation_id`` and has it in its primary key (Citus-ready)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_url(explicit: str | None = None) -> str:
    """``--db`` wins, then ``HIPPOCRATIC_DATABASE_URL``, then the embedded SQLite file."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def make_engine(url: str, *, must_exist: bool = False, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs to keep its promises. With
    ``must_exist``, a SQLite file that is not there is an error, not a new empty database."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"not a database URL: {url!r}",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            if must_exist and not path.is_file():
                raise ConfigurationError(
                    f"no Hippocratic store at {url}: there is no file {path}",
                    hint="check the path, or create one with `hippocratic init --policy FILE`",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    raise ConfigurationError(
        f"unsupported database backend {parsed.get_backend_name()!r}",
        hint="Hippocratic runs on SQLite and PostgreSQL",
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE below takes effect.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    # Writers serialise at BEGIN rather than failing at their first write (no lock upgrades);
    # a read-only snapshot begins deferred, so it never holds the write lock (WAL readers).
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session that sees one consistent state of the store from its first query to
    its end, and never blocks writers: REPEATABLE READ (read only) on PostgreSQL, a deferred
    read transaction on SQLite (WAL). For work that reads much and must not be torn by
    concurrent appends, such as verifying the audit ledger."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    connection = engine.connect().execution_options(**options)
    with connection, Session(connection) as session:
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A short read that takes no write lock: a deferred transaction on SQLite, the default
    isolation on PostgreSQL (no extra round trips to set and reset one). For per-request
    checks such as a session or token lookup; use ``snapshot`` for long consistent reads."""
    connection = engine.connect().execution_options(**{READ_ONLY: True})
    with connection, Session(connection) as session:
        yield session


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """``reading`` without an ORM session, for a hot check of one row by its key (an API
    token on every request): a Core SELECT here costs a third of a session's ``get``."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        yield connection


def session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)

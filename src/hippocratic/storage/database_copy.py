"""Copying a database to one file and back, consistently, on either engine.

* SQLite: the online backup API (``sqlite3.Connection.backup``): a consistent copy of the whole
  file while other connections keep reading and writing; a restore copies the file back over
  the target the same way, pages and all, so no stale WAL frame survives it.
* PostgreSQL: ``pg_dump --format=custom`` of the store's schema (the first on its search
  path), which reads one consistent snapshot; a restore drops that schema and ``pg_restore``s
  it. The password, if the URL has one, goes to the tools in ``PGPASSWORD``, never on their
  command line.

Neither knows what the database holds: the data database and the key store are copied by the
same two functions, into different files (``services.backup``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from hippocratic.errors import ConfigurationError, InputError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def engine_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise ConfigurationError(f"cannot back up a {backend!r} database")
    return backend


def public_url(url: str) -> str:
    """The URL with any password left out, as a manifest or a message may show it."""
    return make_url(url).set(password=None).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigurationError(f"{url} is not a SQLite file")
    return Path(database)


def schema_of(url: str) -> str:
    """The PostgreSQL schema the store lives in: the first on the URL's search path."""
    engine = create_engine(make_url(url))
    try:
        with engine.connect() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    finally:
        engine.dispose()
    if not schema:
        raise ConfigurationError(f"{public_url(url)} has no schema on its search path")
    return str(schema)


def dump(url: str, into: Path) -> Path:
    """Copy the database at ``url`` to a new file in ``into``; returns the file."""
    if engine_of(url) == SQLITE:
        target = into / "sqlite.db"
        source = sqlite3.connect(sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    target = into / "postgresql.dump"
    schema = schema_of(url)
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
         f"--file={target}", _libpq(url)],
        url,
    )  # fmt: skip
    return target


def load(url: str, file: Path) -> None:
    """Replace the database at ``url`` with the copy in ``file`` (made by ``dump``)."""
    if engine_of(url) == SQLITE:
        if file.suffix != ".db":
            raise InputError(f"{file} is not a SQLite copy; the target {url} is SQLite")
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        target = sqlite3.connect(sqlite_path(url))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if file.suffix != ".dump":
        raise InputError(f"{file} is not a pg_dump copy; the target is PostgreSQL")
    schema = schema_of(url)
    listing = _run("pg_restore", ["--list", str(file)], url)
    if not any(line.split()[3:6] == ["SCHEMA", "-", schema] for line in listing.splitlines()):
        raise InputError(
            f"the backup does not hold schema {schema!r}, the one {public_url(url)} points at",
            hint="restore into a URL whose search_path names the schema the backup was taken from",
        )
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(schema)
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
    finally:
        engine.dispose()
    _run(
        "pg_restore",
        ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={_libpq(url)}", str(file)],
        url,
    )  # fmt: skip


def _libpq(url: str) -> str:
    """The URL as libpq takes it: no driver name, no password."""
    parsed: URL = make_url(url).set(drivername="postgresql", password=None)
    return parsed.render_as_string(hide_password=False)


def _run(tool: str, arguments: list[str], url: str) -> str:
    found = shutil.which(tool) or (
        f"/usr/bin/{tool}" if Path(f"/usr/bin/{tool}").exists() else None
    )
    if found is None:
        raise ConfigurationError(
            f"{tool} is not installed", hint="install the PostgreSQL client tools"
        )
    environment = dict(os.environ)
    password = make_url(url).password
    if password:
        environment["PGPASSWORD"] = str(password)
    done = subprocess.run(  # noqa: S603 (a fixed tool, arguments as a list, no shell)
        [found, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    if done.returncode != 0:
        raise ConfigurationError(
            f"{tool} failed on {public_url(url)}: {done.stderr.strip()[:500]}",
            hint="check the database URL and that the server's version matches the tools'",
        )
    return done.stdout

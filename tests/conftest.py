"""Suite-wide fixtures: the shared reference folder and a store on each supported backend.

Tests that take ``database_url`` run twice: on a fresh SQLite file and on a fresh PostgreSQL
schema at 127.0.0.1:5432. Locally the PostgreSQL half skips if the server is down; in CI
(``HIPPOCRATIC_REQUIRE_POSTGRES=1``, set by ``.ci/run``) it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
POSTGRES_SERVER_URL = os.environ.get(
    "HIPPOCRATIC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared folder is missing: expected it beside the repository at {SHARED}")
    return SHARED


def _postgres_available() -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_SERVER_URL)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # any failure to connect means "not available"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("HIPPOCRATIC_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return POSTGRES_SERVER_URL


def _postgres_schema_url(server_url: str) -> Iterator[str]:
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{server_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        yield from _postgres_schema_url(server)


POLICIES = REPO / "policies"
HARMONIC_POLICY = POLICIES / "harmonic-medical-sonography.yaml"
HARMONY_POLICY = POLICIES / "harmony-healthcare.yaml"


@pytest.fixture
def clock() -> object:
    from datetime import UTC, datetime

    from hippocratic.domain.clock import FixedClock

    return FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(database_url: str, tmp_path: Path, clock: object) -> Iterator[object]:
    """A fresh store holding Harmonic's and Harmony's policies, on each backend."""
    from hippocratic.services.store import add_organisation, init_store

    created = init_store(HARMONIC_POLICY, database_url, tmp_path / "keys", clock)  # type: ignore[arg-type]
    add_organisation(created, HARMONY_POLICY)
    yield created
    created.dispose()

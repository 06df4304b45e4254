"""A store holding two synthetic clinics (``testwell`` and its twin ``otherwell``), on each
backend, built from the guard's own small policy fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hippocratic.domain.clock import FixedClock
from hippocratic.services.store import Store, add_organisation, init_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TESTWELL = FIXTURES / "testwell.yaml"


def twin_policy(directory: Path) -> Path:
    """The same policy under another organisation key."""
    twin = directory / "otherwell.yaml"
    twin.write_text(
        TESTWELL.read_text(encoding="utf-8").replace("key: testwell", "key: otherwell"),
        encoding="utf-8",
    )
    return twin


@pytest.fixture
def clinic(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    store = init_store(TESTWELL, database_url, tmp_path / "keys", clock)
    add_organisation(store, twin_policy(tmp_path))
    yield store
    store.dispose()

"""The web tests' common ground: a store with both organisations' staff hired (``clinic``)
and a client of the app over it (``client``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import app_client
from tests.services.clinic import hire

from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.fixture
def client(clinic: Store, tmp_path: Path) -> TestClient:
    return app_client(clinic, tmp_path / "notices")

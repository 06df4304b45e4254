"""Creating a store: the policy, the schema and the keys; a second init changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hippocratic.domain.nhs_number import is_valid
from hippocratic.errors import ConfigurationError, StoreExists
from hippocratic.services.demo import seed
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import init_store, open_store

POLICY = Path(__file__).resolve().parents[2] / "policies" / "harmonic-medical-sonography.yaml"


def test_init_refuses_an_existing_store_and_changes_nothing(
    store, database_url: str, tmp_path: Path
) -> None:
    Records(store, Actor("harmonic", "alice", "reception")).register("care", {"full_name": "Ada"})
    with pytest.raises(StoreExists, match="already holds a Hippocratic store"):
        init_store(POLICY, database_url, tmp_path / "other-keys")
    with pytest.raises(StoreExists):
        init_store(POLICY, f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "keys")
    assert not (tmp_path / "other-keys").exists()
    with store.sessions() as session:
        assert store.organisations(session) == ["harmonic", "harmony"]


def test_opening_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no Hippocratic store") as caught:
        open_store(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "keys")
    assert "hippocratic init" in (caught.value.hint or "")


def test_demo_patients_are_synthetic_and_go_through_the_guard(store) -> None:
    subjects = seed(store, "harmonic", patients=5)
    assert len(subjects) == 5
    dpo = Records(store, Actor("harmonic", "dee", "dpo"))
    for subject in subjects:
        values = dpo.read(subject, "rights_requests", ["nhs_number", "email"])
        assert values["nhs_number"].value.startswith("999")
        assert is_valid(values["nhs_number"].value)
        assert values["email"].value.endswith("@example.org")

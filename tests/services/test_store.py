"""Creating a store: the policy, the schema and the keys; a second init changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import SOUND, unsound

from hippocratic.domain.nhs_number import is_valid
from hippocratic.errors import ConfigurationError, PolicyInvalid, StoreExists
from hippocratic.services.demo import seed
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import add_organisation, init_store, open_store

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY = POLICIES / "harmonic-medical-sonography.yaml"


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
        open_store(f"sqlite:///{tmp_path / 'none' / 'none.db'}", tmp_path / "keys")
    assert "hippocratic init" in (caught.value.hint or "")
    assert list(tmp_path.iterdir()) == [], "nothing is created where no store was"


def test_demo_patients_are_synthetic_and_go_through_the_guard(store) -> None:
    subjects = seed(store, "harmonic", patients=5)
    assert len(subjects) == 5
    dpo = Records(store, Actor("harmonic", "dee", "dpo"))
    for subject in subjects:
        values = dpo.read(subject, "rights_requests", ["nhs_number", "email"])
        assert values["nhs_number"].value.startswith("999")
        assert is_valid(values["nhs_number"].value)
        assert values["email"].value.endswith("@example.org")


def test_init_refuses_a_database_that_holds_other_data(database_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE appointments_legacy (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("INSERT INTO appointments_legacy VALUES (1)")
    with pytest.raises(StoreExists, match="appointments_legacy"):
        init_store(POLICY, database_url, tmp_path / "keys")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM appointments_legacy").scalar() == 1
        assert sorted(sqlalchemy_tables(connection)) == ["appointments_legacy"]
    engine.dispose()
    assert not (tmp_path / "keys").exists()


def sqlalchemy_tables(connection) -> list[str]:
    from sqlalchemy import inspect

    return inspect(connection).get_table_names()


def test_init_loads_the_policy_and_locks_down_the_keys(
    database_url: str, tmp_path: Path, clock
) -> None:
    store = init_store(POLICY, database_url, tmp_path / "keys", clock)
    with store.sessions() as session:
        assert store.organisations(session) == ["harmonic"]
        assert store.policy(session, "harmonic").organisation.key == "harmonic"
    store.dispose()
    keys = tmp_path / "keys"
    assert keys.stat().st_mode & 0o777 == 0o700
    master = keys / "master.key"
    assert master.stat().st_mode & 0o777 == 0o600


def test_init_refuses_a_policy_that_fails_the_checks_and_creates_nothing(tmp_path: Path) -> None:
    bad = unsound(tmp_path)
    database = tmp_path / "store.db"
    with pytest.raises(PolicyInvalid) as caught:
        init_store(bad, f"sqlite:///{database}", tmp_path / "keys")
    assert [d["rule"] for d in caught.value.details] == [
        "recipient.advertiser_personal_data",
        "recipient.health_to_marketing",
    ]
    assert not database.exists()
    assert not (tmp_path / "keys").exists()


def test_adding_an_organisation_refuses_an_unsound_policy_and_changes_nothing(
    store, tmp_path: Path
) -> None:
    with pytest.raises(PolicyInvalid, match="advertiser"):
        add_organisation(store, unsound(tmp_path))
    with store.sessions() as session:
        assert store.organisations(session) == ["harmonic", "harmony"]
    assert add_organisation(store, SOUND) == "lakeside"


@pytest.mark.parametrize("name", sorted(p.name for p in POLICIES.glob("*.yaml")))
def test_each_shipped_policy_still_initialises_a_store(name: str, tmp_path: Path) -> None:
    created = init_store(POLICIES / name, f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "keys")
    with created.sessions() as session:
        assert len(created.organisations(session)) == 1
    created.dispose()

"""``hippocratic init``, ``demo seed``, ``keys rotate`` and ``audit verify`` from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.storage.ledger_store import tamper
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

POLICY = str(Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml")
HARMONY = str(Path(POLICY).with_name("harmony-healthcare.yaml"))
runner = CliRunner()


@pytest.mark.promise("S0-81")
def test_init_seed_rotate_verify_and_detect_tampering(database_url: str, tmp_path: Path) -> None:
    where = ["--db", database_url, "--keys", str(tmp_path / "keys")]
    assert runner.invoke(app, ["init", "--policy", POLICY, *where]).exit_code == 0
    again = runner.invoke(app, ["init", "--policy", POLICY, *where])
    assert again.exit_code == 1
    assert "already holds" in again.stderr
    seeded = runner.invoke(app, ["demo", "seed", "harmonic", "--patients", "3", *where, "--json"])
    assert json.loads(seeded.stdout)["data"] == {"patients": 3}
    rotated = runner.invoke(app, ["keys", "rotate", *where, "--json"])
    assert json.loads(rotated.stdout)["data"]["subject_keys_rewrapped"] == {"harmonic": 3}
    verified = runner.invoke(app, ["audit", "verify", *where])
    assert verified.exit_code == 0
    assert "5 events, chain intact" in verified.stdout
    bundle = json.loads(runner.invoke(app, ["audit", "export", "harmonic", *where]).stdout)
    assert len(bundle["entry"]) == 5
    tamper(database_url, "UPDATE audit_event SET actor = 'someone-else' WHERE seq = 2")
    broken = runner.invoke(app, ["audit", "verify", *where, "--json"])
    assert broken.exit_code == 4
    error = json.loads(broken.stdout)["error"]
    assert error["code"] == "audit.integrity"
    assert error["details"][0]["first_bad_seq"] == 2


def test_init_takes_the_database_from_the_environment_and_refuses_a_second_run(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPPOCRATIC_DATABASE_URL", database_url)
    monkeypatch.setenv("HIPPOCRATIC_KEYS_DIR", str(tmp_path / "keys"))
    first = runner.invoke(app, ["init", "--policy", POLICY, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["data"] == {"organisations": ["harmonic"]}
    second = runner.invoke(app, ["init", "--policy", POLICY, "--json"])
    assert second.exit_code == 1
    error = json.loads(second.stdout)["error"]
    assert error["code"] == "store.exists"
    assert "nothing was changed" in error["message"]


@pytest.mark.promise("S0-81")
def test_a_store_records_its_creation_key_rotations_and_organisations(
    database_url: str, tmp_path: Path
) -> None:
    where = ["--db", database_url, "--keys", str(tmp_path / "keys")]
    assert runner.invoke(app, ["init", "--policy", POLICY, *where]).exit_code == 0
    added = runner.invoke(app, ["organisation", "add", "--policy", HARMONY, *where, "--json"])
    assert json.loads(added.stdout)["data"]["organisation"] == "harmony"
    twice = runner.invoke(app, ["organisation", "add", "--policy", HARMONY, *where])
    assert twice.exit_code != 0 and "already" in twice.stderr
    listed = json.loads(runner.invoke(app, ["organisation", "list", *where, "--json"]).stdout)
    assert {o["organisation"] for o in listed["data"]["organisations"]} == {"harmonic", "harmony"}
    assert runner.invoke(app, ["keys", "rotate", *where]).exit_code == 0
    changed = tmp_path / "harmony-v2.yaml"
    text = Path(HARMONY).read_text(encoding="utf-8")
    version = json.loads(runner.invoke(app, ["organisation", "list", *where, "--json"]).stdout)
    old = next(o["notice_version"] for o in version["data"]["organisations"]
               if o["organisation"] == "harmony")  # fmt: skip
    changed.write_text(text.replace(f'version: "{old}"', 'version: "2026-12-01"', 1))
    updated = runner.invoke(app, ["organisation", "update", "--policy", str(changed), *where])
    assert updated.exit_code == 0, updated.output
    assert f"notice {old} -> 2026-12-01" in updated.stdout and "within seconds" in updated.stdout
    for organisation, expected in (
        ("harmonic", ["store.initialised", "keys.rotated"]),
        ("harmony", ["organisation.added", "keys.rotated", "policy.changed"]),
    ):
        bundle = json.loads(runner.invoke(app, ["audit", "export", organisation, *where]).stdout)
        actions = [_action(entry) for entry in bundle["entry"]]
        assert actions == expected
    verified = runner.invoke(app, ["audit", "verify", *where])
    assert verified.exit_code == 0 and "chain intact" in verified.stdout


def _action(entry: dict[str, Any]) -> str:
    action: str = entry["resource"]["subtype"][-1]["code"]
    return action

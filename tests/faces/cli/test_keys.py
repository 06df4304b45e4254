"""``hippocratic keys rotate`` from the shell."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.store import init_store

POLICY = Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml"
runner = CliRunner()


def make_store(database_url: str, keys: Path) -> None:
    store = init_store(POLICY, database_url, keys)
    org = store.vault.for_organisation("harmonic")
    for n in range(3):
        org.encrypt_field(f"p{n}", "full_name", f"Patient {n}")
    store.dispose()


def test_rotate_reports_what_it_rewrapped(database_url: str, tmp_path: Path) -> None:
    make_store(database_url, tmp_path / "keys")
    where = ["--db", database_url, "--keys", str(tmp_path / "keys")]
    result = runner.invoke(app, ["keys", "rotate", *where, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["data"]
    assert data["subject_keys_rewrapped"] == {"harmonic": 3}
    assert data["organisation_key_versions"] == {"harmonic": 2}
    assert data["master_key_id"] != data["previous_master_key_id"]
    human = runner.invoke(app, ["keys", "rotate", *where])
    assert human.exit_code == 0
    assert "harmonic: organisation key version 3, 3 patient keys" in human.stdout
    assert "back up the key store now" in human.stdout


def test_rotate_with_a_master_key_file_kept_elsewhere(database_url: str, tmp_path: Path) -> None:
    make_store(database_url, tmp_path / "keys")
    secret = tmp_path / "secret" / "master.key"
    secret.parent.mkdir()
    shutil.move(tmp_path / "keys" / "master.key", secret)
    before = secret.read_bytes()
    result = runner.invoke(
        app,
        [
            "keys", "rotate", "--db", database_url, "--keys", str(tmp_path / "keys"),
            "--master-key-file", str(secret), "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert secret.read_bytes() != before
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not (tmp_path / "keys" / "master.key").exists()


def test_rotate_without_a_store_fails_clearly(tmp_path: Path) -> None:
    where = ["--db", f"sqlite:///{tmp_path / 'none.db'}", "--keys", str(tmp_path / "keys")]
    result = runner.invoke(app, ["keys", "rotate", *where, "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "config.invalid"
    assert "no Hippocratic store" in error["message"]
    missing_key = runner.invoke(app, ["keys", "rotate", *where])
    assert missing_key.exit_code == 1
    assert "no Hippocratic store" in missing_key.stderr

"""``hippocratic backup`` and ``hippocratic restore`` from the shell: text and JSON, the count
of subjects erased again (never who), and refusals with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.store import init_store, open_store

POLICY = Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml"
runner = CliRunner()


def make_store(database_url: str, keys: Path) -> None:
    store = init_store(POLICY, database_url, keys)
    org = store.vault.for_organisation("harmonic")
    for n in range(3):
        org.encrypt_field(f"p{n}", "full_name", f"Patient {n}")
    store.dispose()


def test_backup_then_restore_after_a_shred(database_url: str, tmp_path: Path) -> None:
    keys, out = tmp_path / "keys", tmp_path / "backup"
    make_store(database_url, keys)
    where = ["--db", database_url, "--keys", str(keys)]
    taken = runner.invoke(app, ["backup", "--out", str(out), *where, "--json"])
    assert taken.exit_code == 0, taken.output
    data = json.loads(taken.stdout)["data"]
    assert data["ledger"]["harmonic"]["seq"] >= 1
    assert sorted(n.split("/")[0] for n in data["files"]) == ["data", "keys"]
    assert (out / "manifest.json").is_file()

    store = open_store(database_url, keys)  # p1 is shredded after the backup
    store.vault.for_organisation("harmonic").shred_subject("p1")
    store.dispose()

    refused = runner.invoke(app, ["restore", "--from", str(out), *where])
    assert refused.exit_code == 1 and "--force" in refused.output

    done = runner.invoke(app, ["restore", "--from", str(out), *where, "--force"])
    assert done.exit_code == 0, done.output
    assert "1 subject erased since then was erased again" in done.stdout
    assert "0 record(s) that retention or a partial erasure deleted were deleted again" in (
        done.stdout.replace("\n", " ")
    )
    assert "audit verify: ok  harmonic" in done.stdout
    assert "p1" not in done.stdout

    as_json = runner.invoke(app, ["restore", "--from", str(out), *where, "--force", "--json"])
    report = json.loads(as_json.stdout)["data"]
    assert report["erased_again"] == 1 and report["verified"] is True
    harmonic = next(o for o in report["organisations"] if o["organisation"] == "harmonic")
    assert (harmonic["deleted_again"], harmonic["anonymised_again"]) == (0, 0)
    verified = runner.invoke(app, ["audit", "verify", *where])
    assert verified.exit_code == 0, verified.output
    assert "from backup" in verified.stdout  # each restore, said every time


def test_a_tampered_backup_is_refused_with_exit_4(database_url: str, tmp_path: Path) -> None:
    keys, out = tmp_path / "keys", tmp_path / "backup"
    make_store(database_url, keys)
    where = ["--db", database_url, "--keys", str(keys)]
    assert runner.invoke(app, ["backup", "--out", str(out), *where]).exit_code == 0
    (data_file,) = (out / "data").iterdir()
    with data_file.open("ab") as handle:
        handle.write(b"\0")
    result = runner.invoke(app, ["restore", "--from", str(out), *where, "--force", "--json"])
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "backup.tampered"
    again = runner.invoke(app, ["backup", "--out", str(out), *where])
    assert again.exit_code == 1 and "already holds files" in again.output

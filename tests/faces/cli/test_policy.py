"""``hippocratic policy check`` as a DPO uses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

POLICIES = Path(__file__).resolve().parents[3] / "policies"
runner = CliRunner()


def test_sound_files_exit_zero() -> None:
    result = runner.invoke(app, ["policy", "check", *map(str, sorted(POLICIES.glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_problems_are_listed_and_exit_non_zero(tmp_path: Path) -> None:
    text = (POLICIES / "harmonic-medical-sonography.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("digits: 4}", "digits: 5}", 1).replace(
            "    legal_citation: UK GDPR Arts. 12-22\n", ""
        )
    )
    result = runner.invoke(app, ["policy", "check", str(bad)], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "card.display" in result.stderr
    assert "basis.citation_missing" in result.stderr
    assert f"{bad}:" in result.stderr
    assert "Traceback" not in result.output


def test_json_output_uses_the_error_envelope(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: [\n")
    result = runner.invoke(app, ["policy", "check", "--json", str(bad)])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["error"]["code"] == "policy.invalid"
    assert body["error"]["details"][0]["rule"] == "yaml.syntax"
    assert body["error"]["details"][0]["file"] == str(bad)


def test_json_output_for_sound_files() -> None:
    path = POLICIES / "harmony-healthcare.yaml"
    result = runner.invoke(app, ["policy", "check", "--json", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "data": [{"file": str(path), "ok": True}]}


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["policy", "check", str(tmp_path / "nope.yaml")], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert "file.unreadable" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)

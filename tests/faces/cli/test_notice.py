"""``hippocratic notice`` and ``hippocratic ropa``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

POLICIES = Path(__file__).resolve().parents[3] / "policies"
HARMONIC = str(POLICIES / "harmonic-medical-sonography.yaml")
HARMONY = str(POLICIES / "harmony-healthcare.yaml")
runner = CliRunner()


def test_render_markdown_and_html() -> None:
    md = runner.invoke(app, ["notice", "render", HARMONY])
    assert md.exit_code == 0
    assert md.stdout.startswith("# Privacy notice: Harmony Healthcare")
    html = runner.invoke(app, ["notice", "render", HARMONY, "--format", "html"])
    assert html.stdout.startswith("<!doctype html>")


def test_render_jit_notice_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "booking.md"
    result = runner.invoke(
        app, ["notice", "render", HARMONIC, "--form", "booking", "--out", str(out)]
    )
    assert result.exit_code == 0
    assert "Book a scan" in out.read_text()


def test_unknown_form_is_a_clear_error() -> None:
    result = runner.invoke(app, ["notice", "render", HARMONIC, "--form", "nope"])
    assert result.exit_code == 1
    assert "has no form `nope`" in result.stderr
    assert "booking" in result.stderr


def test_invalid_policy_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: {}\n")
    result = runner.invoke(app, ["notice", "render", str(bad)])
    assert result.exit_code == 2
    assert "policy check" in result.stderr


@pytest.mark.promise("S0-01", "S0-114")
def test_publish_then_history(tmp_path: Path) -> None:
    archive = str(tmp_path / "notices")
    first = runner.invoke(app, ["notice", "publish", HARMONIC, "--archive", archive, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["data"]["new"] is True
    again = runner.invoke(app, ["notice", "publish", HARMONIC, "--archive", archive, "--json"])
    assert json.loads(again.stdout)["data"]["new"] is False
    history = runner.invoke(app, ["notice", "history", "harmonic", "--archive", archive, "--json"])
    records = json.loads(history.stdout)["data"]
    assert [r["version"] for r in records] == ["2024-11-18"]
    assert len(records[0]["sha256"]) == 64


def test_ropa_csv_and_json() -> None:
    csv_text = runner.invoke(app, ["ropa", HARMONY, "--format", "csv"]).stdout
    assert csv_text.splitlines()[0].startswith("Controller and DPO (Art. 30(1)(a))")
    body = json.loads(runner.invoke(app, ["ropa", HARMONY, "--json"]).stdout)
    assert body["ok"] is True
    assert body["data"][0]["purpose"].startswith("Providing healthcare services")


def test_every_command_has_help() -> None:
    for command in (
        ["policy", "check"],
        ["notice", "render"],
        ["notice", "publish"],
        ["ropa"],
        ["serve"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.stdout

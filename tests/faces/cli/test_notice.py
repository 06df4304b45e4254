"""``hippocratic notice`` and ``hippocratic ropa``."""

from __future__ import annotations

import json
import socket
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


def test_serving_on_a_port_in_use_says_so_and_exits_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["serve", "--notices-only", "--port", str(port)])
    assert result.exit_code == 1
    assert f"error conflict: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr


CLINIC = Path(__file__).resolve().parents[2] / "policy" / "fixtures" / "render_clinic.yaml"


def _variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> str:
    text = CLINIC.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.promise("S0-01", "S0-114")
def test_publishing_v2_keeps_v1_and_refuses_an_edit_under_an_old_version(tmp_path: Path) -> None:
    archive = str(tmp_path / "notices")
    publish = ["notice", "publish", "--archive", archive, "--json"]
    assert runner.invoke(app, [*publish, str(CLINIC)]).exit_code == 0
    v2 = _variant(
        tmp_path,
        "v2.yaml",
        ('version: "3.1"', 'version: "3.2"'),
        ("effective_date: 2026-03-01", "effective_date: 2026-09-01"),
        ("Texting you the day before", "Texting you two days before"),
    )
    assert runner.invoke(app, [*publish, v2]).exit_code == 0
    history = runner.invoke(app, ["notice", "history", "riverside", "--archive", archive, "--json"])
    records = json.loads(history.stdout)["data"]
    assert [(r["version"], r["effective_date"]) for r in records] == [
        ("3.1", "2026-03-01"),
        ("3.2", "2026-09-01"),
    ]
    assert records[0]["sha256"] != records[1]["sha256"]
    kept = (tmp_path / "notices" / "riverside" / "3.1.md").read_text(encoding="utf-8")
    assert "Texting you the day before" in kept
    edited = _variant(tmp_path, "edited.yaml", ("Texting you the day before", "Texting you"))
    refused = runner.invoke(app, ["notice", "publish", "--archive", archive, edited])
    assert refused.exit_code == 1
    assert "version 3.1 of riverside's notice is already published" in refused.stderr
    assert "new version number" in refused.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["notice", "render"],
        ["notice", "render", "--form", "booking"],
        ["notice", "publish"],
        ["ropa", "--format", "csv"],
    ],
)
def test_an_unsound_policy_is_refused_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    bad = _variant(
        tmp_path,
        "bad.yaml",
        ("recipients: [sms_gateway, accountant]", "recipients: [sms_gateway, nobody]"),
    )
    result = runner.invoke(
        app,
        [*command, bad, "--archive", str(tmp_path)] if "publish" in command else [*command, bad],
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "nobody" in result.stderr
    assert "hippocratic policy check" in result.stderr


def test_an_unsound_policy_gives_the_same_structured_details_as_policy_check(
    tmp_path: Path,
) -> None:
    bad = _variant(
        tmp_path,
        "bad.yaml",
        ("recipients: [sms_gateway, accountant]", "recipients: [sms_gateway, nobody]"),
    )
    rendered = runner.invoke(app, ["notice", "render", bad, "--json"])
    checked = runner.invoke(app, ["policy", "check", bad, "--json"])
    assert rendered.exit_code == checked.exit_code == 2
    details = json.loads(rendered.stdout)["error"]["details"]
    assert details == json.loads(checked.stdout)["error"]["details"]
    assert [(d["rule"], d["file"]) for d in details] == [("ref.unknown", bad)]
    assert "nobody" in details[0]["message"]


def test_render_json_is_the_structured_notice() -> None:
    body = json.loads(runner.invoke(app, ["notice", "render", str(CLINIC), "--json"]).stdout)
    assert body["ok"] is True
    assert body["data"]["company_number"] == "12345678"
    assert [p["key"] for p in body["data"]["purposes"]] == [
        "treatment",
        "reminders",
        "accounts",
        "newsletter",
    ]
    jit = runner.invoke(app, ["notice", "render", str(CLINIC), "--form", "booking", "--json"])
    assert [r["key"] for r in json.loads(jit.stdout)["data"]["recipients"]] == ["sms_gateway"]


def test_errors_are_json_when_json_was_asked_for() -> None:
    result = runner.invoke(app, ["notice", "render", str(CLINIC), "--form", "nope", "--json"])
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["error"]["code"] == "not_found"

"""``hippocratic policy check`` as a DPO uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.policy.sound import SOUND, SOUND_TEXT, line_of, unsound
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

POLICIES = Path(__file__).resolve().parents[3] / "policies"
runner = CliRunner()
WIDE = {"COLUMNS": "300"}


def _bad(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SOUND_TEXT.replace("digits: 4}", "digits: 5}").replace(
            "    legal_citation: UK GDPR Arts. 12-22\n", ""
        )
    )
    return bad


def test_sound_files_exit_zero() -> None:
    files = [str(SOUND), *map(str, sorted(POLICIES.glob("*.yaml")))]
    result = runner.invoke(app, ["policy", "check", *files], env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"ok  {name}" for name in files]


def test_every_problem_is_listed_as_file_line_path_what_and_fix(tmp_path: Path) -> None:
    bad = _bad(tmp_path)
    result = runner.invoke(app, ["policy", "check", str(bad), str(SOUND)], env=WIDE)
    assert result.exit_code == 2
    card = line_of(bad, "display: {kind: last_digits, digits: 5}")
    basis = line_of(bad, "lawful_basis: legal_obligation")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{bad}:{card}  categories[payment].fields[card_number].display  [card.display] "
        "card number display shows the last 5 digits -> show at most the last four digits: "
        "`display: {kind: last_digits, digits: 4}` (PCI DSS v4.0 req. 3.4.1)"
    )
    assert lines[1].startswith(
        f"{bad}:{basis}  purposes[rights_requests].lawful_basis  [basis.citation_missing] "
    )
    assert " -> add `legal_citation:`" in lines[1]
    assert lines[2] == f"ok  {SOUND}"
    assert lines[3].startswith("2 problems in 1 file")
    assert "Traceback" not in result.output


def test_json_output_lists_each_problem_in_the_error_envelope(tmp_path: Path) -> None:
    bad = _bad(tmp_path)
    result = runner.invoke(app, ["policy", "check", "--json", str(bad)])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["error"]["code"] == "policy.invalid"
    assert body["error"]["message"] == "2 problems in 1 file"
    assert [(d["rule"], d["file"]) for d in body["error"]["details"]] == [
        ("card.display", str(bad)),
        ("basis.citation_missing", str(bad)),
    ]
    assert set(body["error"]["details"][0]) == {"file", "line", "path", "rule", "message", "fix"}


def test_malformed_yaml_is_reported_in_json_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: [\n")
    result = runner.invoke(app, ["policy", "check", "--json", str(bad)])
    assert result.exit_code == 2
    detail = json.loads(result.stdout)["error"]["details"][0]
    assert (detail["rule"], detail["file"], detail["line"]) == ("yaml.syntax", str(bad), 2)


def test_json_output_for_sound_files() -> None:
    result = runner.invoke(app, ["policy", "check", "--json", str(SOUND)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "data": [{"file": str(SOUND), "ok": True}]}


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["policy", "check", str(missing)], env=WIDE)
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{missing}:1  (file)  [file.unreadable] ")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_help_names_the_output_and_the_docs() -> None:
    result = runner.invoke(app, ["policy", "check", "--help"], env=WIDE)
    assert result.exit_code == 0
    assert "docs/policy.md" in result.stdout
    assert "exit 2" in result.stdout


def test_init_refuses_an_unsound_policy_and_creates_no_store(tmp_path: Path) -> None:
    bad = unsound(tmp_path)
    database, keys = tmp_path / "store.db", tmp_path / "keys"
    where = ["--db", f"sqlite:///{database}", "--keys", str(keys)]
    result = runner.invoke(app, ["init", "--policy", str(bad), *where], env=WIDE)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "2 problems found" in result.stderr and "advertiser" in result.stderr
    assert "hippocratic policy check" in result.stderr
    assert not database.exists() and not keys.exists()
    as_json = runner.invoke(app, ["init", "--policy", str(bad), *where, "--json"])
    checked = runner.invoke(app, ["policy", "check", "--json", str(bad)])
    details = json.loads(as_json.stdout)["error"]["details"]
    assert details == json.loads(checked.stdout)["error"]["details"]
    assert not database.exists() and not keys.exists()


@pytest.mark.parametrize("name", sorted(p.name for p in POLICIES.glob("*.yaml")))
def test_init_accepts_each_shipped_policy(name: str, tmp_path: Path) -> None:
    where = ["--db", f"sqlite:///{tmp_path / 'store.db'}", "--keys", str(tmp_path / "keys")]
    result = runner.invoke(app, ["init", "--policy", str(POLICIES / name), *where])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created a store for ")


def test_retention_refuses_an_unsound_policy(tmp_path: Path) -> None:
    bad = unsound(tmp_path)
    result = runner.invoke(
        app, ["retention", "end", str(bad), "health_record", "--last-seen", "2026-01-05"]
    )
    assert result.exit_code == 2
    assert "advertiser" in result.stderr
    sound = runner.invoke(
        app, ["retention", "end", str(SOUND), "health_record", "--last-seen", "2026-01-05"]
    )
    assert sound.exit_code == 0, sound.output

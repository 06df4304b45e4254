"""``hippocratic deadline`` and ``hippocratic retention end`` as a DPO uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

HARMONIC = str(
    Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml"
)
runner = CliRunner()


@pytest.mark.promise("L-01")
def test_sar_prints_the_date_and_the_reasoning() -> None:
    result = runner.invoke(app, ["deadline", "sar", "2026-01-31"])
    assert result.exit_code == 0
    assert "due Monday 2 March 2026" in result.stdout
    assert "31 Feb does not exist → 28 Feb" in result.stdout


def test_sar_with_pauses_and_extension_as_json() -> None:
    result = runner.invoke(
        app,
        [
            "deadline",
            "sar",
            "2026-03-10",
            "--pause",
            "2026-03-12..2026-03-14",
            "--extend",
            "--json",
        ],
    )
    data = json.loads(result.stdout)["data"]
    assert data["paused_days"] == 3
    assert data["due"] == "2026-06-15"
    assert data["extension_notice_by"] == "2026-04-13"


def test_breach_deadline_in_london_time() -> None:
    result = runner.invoke(
        app,
        [
            "deadline",
            "breach",
            "2026-10-23T12:00+01:00",
            "--now",
            "2026-10-24T12:00+01:00",
            "--json",
        ],
    )
    data = json.loads(result.stdout)["data"]
    assert data["deadline"] == "2026-10-26T11:00:00Z"  # Europe/London, GMT after the change
    assert data["state"] == "running"


def test_art14_and_complaint() -> None:
    art14 = json.loads(
        runner.invoke(
            app, ["deadline", "art14", "2026-03-02", "--first-contact", "2026-03-09", "--json"]
        ).stdout
    )
    assert art14["data"]["due"] == "2026-03-09"
    complaint = runner.invoke(app, ["deadline", "complaint", "2026-07-01"])
    assert "acknowledge by Thursday 30 July 2026" in complaint.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadline", "sar", "2026-02-31"], "is not a date that exists"),
        (["deadline", "sar", "2026-03-10", "--pause", "2026-03-14..2026-03-12"], "cannot end"),
        (["deadline", "sar", "2026-03-10", "--pause", "2026-03-14"], "START..END"),
        (["deadline", "breach", "2026-10-23T12:00"], "no time zone"),
        (
            ["retention", "end", HARMONIC, "nonsense", "--last-seen", "2026-01-01"],
            "no retention rule",
        ),
    ],
)
def test_invalid_input_is_a_clear_error_not_a_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.promise("S0-76", "S0-77")
def test_retention_end_prints_date_action_rule_and_source() -> None:
    result = runner.invoke(
        app, ["retention", "end", HARMONIC, "adult_health_record", "--last-seen", "2026-03-01"]
    )
    assert result.exit_code == 0
    assert "Wednesday 1 March 2034, then review" in result.stdout
    assert "NHS Records Management Code of Practice 2023" in result.stdout
    assert "not verified in a primary text" in result.stdout


def test_retention_end_with_reuse_death_and_hold() -> None:
    args = [
        "retention",
        "end",
        HARMONIC,
        "child_health_record",
        "--born",
        "2009-06-01",
        "--last-seen",
        "2026-08-01",
    ]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)["data"]
    assert data["disposal_date"] == "2035-06-01"
    held = json.loads(runner.invoke(app, [*args, "--hold", "--json"]).stdout)["data"]
    assert held["state"] == "not while held"

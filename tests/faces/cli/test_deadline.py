"""``hippocratic deadline`` as a DPO uses it: the date, the reasoning, the source."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

runner = CliRunner()


def as_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["deadline", *args, "--json"])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    assert body["ok"] is True
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.promise("L-01")
def test_sar_prints_the_date_and_the_reasoning() -> None:
    result = runner.invoke(app, ["deadline", "sar", "2026-01-31"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "due Monday 2 March 2026"
    assert (
        "  → 31 Feb does not exist → Saturday 28 February 2026 (the last day of the month)" in lines
    )
    assert "  → Saturday 28 February 2026: weekend" in lines
    assert "  → next working day: Monday 2 March 2026" in lines
    assert any(line.startswith("  source: ICO guidance") and "(verified)" in line for line in lines)
    assert any("Art. 12A" in line and "not verified" in line for line in lines)


@pytest.mark.promise("L-01")
def test_sar_with_pauses_extension_and_fee_as_json() -> None:
    data = as_json(
        "sar", "2026-03-10", "--pause", "2026-03-12..2026-03-14", "--extend", "--right", "erasure"
    )
    assert data["right"] == "erasure"
    assert data["paused_days"] == 3
    assert data["due"] == "2026-06-15"
    assert data["extension_notice_by"] == "2026-04-13"
    assert data["pauses"] == [{"start": "2026-03-12", "end": "2026-03-14"}]
    assert {s["key"]: s["verified"] for s in data["sources"]}["ico_time_limits"] is True
    fee = as_json("sar", "2026-09-03", "--fee-received", "2026-09-15")
    assert (fee["starts"], fee["due"]) == ("2026-09-15", "2026-10-15")


@pytest.mark.promise("L-01")
def test_sar_clock_starts_when_the_identity_evidence_arrives() -> None:
    data = as_json("sar", "2026-09-03", "--identity-received", "2026-09-10")
    assert (data["received"], data["starts"], data["due"]) == (
        "2026-09-03",
        "2026-09-10",
        "2026-10-12",
    )
    assert (
        "identity evidence received Thursday 10 September 2026: the clock starts then (day 1)"
        in (data["steps"])
    )
    shown = runner.invoke(
        app, ["deadline", "sar", "2026-09-03", "--identity-received", "2026-09-10"]
    )
    assert shown.stdout.splitlines()[0] == "due Monday 12 October 2026"


def test_right_offers_only_the_rights_with_this_clock() -> None:
    result = runner.invoke(app, ["deadline", "sar", "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert (
        "access|rectification|erasure|restriction|portability|objection|automated_decision_review"
        in (result.stdout)
    )
    assert "complain" not in result.stdout
    assert "withdraw_consent" not in result.stdout
    review = as_json("sar", "2026-09-03", "--right", "automated_decision_review")
    assert (review["right"], review["due"]) == ("automated_decision_review", "2026-10-05")


def test_breach_deadline_in_london_time_across_the_autumn_change() -> None:
    data = as_json("breach", "2026-10-23T12:00+01:00", "--now", "2026-10-24T12:00+01:00")
    assert data["deadline"] == "2026-10-26T11:00:00+00:00"
    assert data["state"] == "running"
    assert data["remaining_seconds"] == 48 * 3600
    assert data["source"]["key"] == "uk_gdpr_art_33"
    shown = runner.invoke(
        app, ["deadline", "breach", "2026-03-27T12:00Z", "--now", "2026-03-27T13:00Z"]
    )
    assert shown.stdout.splitlines()[0] == "report by Monday 30 March 2026 13:00 BST (running)"


def test_a_late_breach_report_asks_for_reasons() -> None:
    data = as_json("breach", "2026-05-01T08:00Z", "--reported-at", "2026-05-04T08:01Z")
    assert data["state"] == "late: reasons for the delay required"


def test_art14_and_complaint() -> None:
    art14 = as_json("art14", "2026-03-02", "--first-contact", "2026-03-09")
    assert art14["due"] == "2026-03-09"
    assert "Art. 14(3)(b)" in art14["reason"]
    disclosure = as_json("art14", "2026-03-02", "--first-disclosure", "2026-03-04")
    assert disclosure["due"] == "2026-03-04"
    complaint = runner.invoke(app, ["deadline", "complaint", "2026-07-01"])
    assert complaint.exit_code == 0
    assert complaint.stdout.splitlines()[0] == "acknowledge by Thursday 30 July 2026"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sar", "2026-02-31"], "received: '2026-02-31' is not a date that exists"),
        (["sar", "2026-03-10", "--pause", "2026-03-14..2026-03-12"], "cannot end"),
        (["sar", "2026-03-10", "--pause", "2026-03-14"], "START..END"),
        (["sar", "2026-03-10", "--pause", "2026-03-12..2026-02-30"], "pause end"),
        (["sar", "2026-01-10", "--pause", "2026-01-12..2026-01-13"], "5 February 2026"),
        (["sar", "2026-03-10", "--right", "complain"], "'complain' is not one of"),
        (["sar", "2026-03-10", "--identity-received", "2026-03-09"], "cannot arrive before"),
        (["breach", "2026-10-23T12:00"], "no time zone"),
        (["breach", "yesterday"], "is not a date and time"),
        (["art14", "2026-03-02", "--first-contact", "2026-03-01"], "cannot be before"),
        (["complaint", "2026-13-01"], "is not a date that exists"),
    ],
)
def test_invalid_input_is_a_clear_error_not_a_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["deadline", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_invalid_input_as_json_is_the_error_envelope() -> None:
    result = runner.invoke(app, ["deadline", "sar", "2026-02-31", "--json"])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["error"]["code"] == "input.invalid"
    assert body["error"]["field"] == "received"

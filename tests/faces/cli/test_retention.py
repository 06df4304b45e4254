"""``hippocratic retention end``: the disposal date, the action, the rule and its source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

POLICIES = Path(__file__).resolve().parents[3] / "policies"
HARMONIC = str(POLICIES / "harmonic-medical-sonography.yaml")
HARMONY = str(POLICIES / "harmony-healthcare.yaml")
runner = CliRunner()


def as_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["retention", "end", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)["data"]
    return data


@pytest.mark.promise("S0-76", "S0-77")
def test_retention_end_prints_date_action_rule_and_source() -> None:
    result = runner.invoke(
        app, ["retention", "end", HARMONIC, "adult_health_record", "--last-seen", "2026-03-01"]
    )
    assert result.exit_code == 0
    assert "Wednesday 1 March 2034, then review" in result.stdout
    assert "NHS Records Management Code of Practice 2023" in result.stdout
    assert "not verified in a primary text" in result.stdout


@pytest.mark.promise("S0-77")
def test_a_child_aged_17_at_the_end_of_treatment_reused_and_held() -> None:
    args = [HARMONIC, "child_health_record", "--born", "2009-06-01", "--last-seen", "2026-08-01"]
    data = as_json(*args)
    assert data["disposal_date"] == "2035-06-01"
    assert data["action"] == "review"
    assert data["source"] == "nhs_rm_code_child_health_record"
    assert data["source_verified"] is False
    held = as_json(*args, "--hold")
    assert (held["state"], held["disposal_date"]) == ("not while held", None)
    died = as_json(*args, "--died", "2027-01-01")
    assert died["disposal_date"] == "2035-06-01"


@pytest.mark.promise("S0-76")
def test_reuse_restarts_the_period() -> None:
    data = as_json(
        HARMONIC, "adult_health_record", "--last-seen", "2010-05-01", "--reused", "2019-06-01"
    )
    assert data["disposal_date"] == "2027-06-01"


@pytest.mark.promise("S1-31")
def test_marketing_until_opt_out() -> None:
    data = as_json(HARMONY, "marketing_data")
    assert (data["state"], data["disposal_date"]) == ("on opt-out", None)


def test_end_of_treatment_counts_from_the_later_last_appointment() -> None:
    args = [HARMONIC, "maternity_record", "--end-of-treatment", "2026-01-01"]
    assert as_json(*args)["disposal_date"] == "2051-01-01"
    later = as_json(*args, "--last-seen", "2026-05-20")
    assert later["disposal_date"] == "2051-05-20"
    assert later["steps"][0].startswith("last seen Wednesday 20 May 2026, after the end of")


def test_complaints_kept_ten_years_from_the_last_interaction() -> None:
    data = as_json(HARMONY, "complaint_record", "--last-interaction", "2026-02-01")
    assert (data["disposal_date"], data["action"]) == ("2036-02-01", "review")


def test_invoices_from_the_stated_financial_year_end_or_the_latest_possible() -> None:
    stated = as_json(HARMONY, "financial_record", "--financial-year-end", "2026-12-31")
    assert (stated["disposal_date"], stated["assumptions"]) == ("2032-12-31", [])
    assumed = as_json(HARMONY, "financial_record", "--collected", "2026-01-05")
    assert assumed["disposal_date"] == "2033-01-05"
    assert assumed["source_verified"] is False
    assert len(assumed["assumptions"]) == 1
    assert "assumed Tuesday 5 January 2027" in assumed["assumptions"][0]
    shown = runner.invoke(
        app, ["retention", "end", HARMONY, "financial_record", "--collected", "2026-01-05"]
    )
    assert shown.stdout.splitlines()[0] == (
        "Invoices and payment records: Wednesday 5 January 2033, then delete"
    )
    assert "(not verified: a date was assumed)" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([HARMONIC, "nonsense", "--last-seen", "2026-01-01"], "no retention rule for `nonsense`"),
        ([HARMONIC, "adult_health_record", "--last-seen", "2026-02-30"], "not a date that exists"),
        ([HARMONIC, "adult_health_record"], "needs the record's last seen"),
        ([HARMONY, "financial_record"], "needs the record's financial year end"),
        ([HARMONY, "complaint_record"], "needs the record's last interaction"),
        (
            [HARMONIC, "child_health_record", "--born", "2020-01-01", "--last-seen", "2019-01-01"],
            "before the date of birth",
        ),
        (["/nonexistent/policy.yaml", "adult_health_record"], "cannot read the file"),
    ],
)
def test_invalid_input_is_a_clear_error_not_a_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["retention", "end", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_invoices_from_the_year_end_the_policy_states(tmp_path: Path) -> None:
    text = Path(HARMONY).read_text(encoding="utf-8")
    policy = tmp_path / "harmony.yaml"
    policy.write_text(
        text.replace("organisation:\n", 'organisation:\n  financial_year_end: "03-31"\n', 1)
    )
    april = as_json(str(policy), "financial_record", "--collected", "2026-04-01")
    assert (april["disposal_date"], april["assumptions"]) == ("2033-03-31", [])
    march = as_json(str(policy), "financial_record", "--collected", "2026-03-31")
    assert march["disposal_date"] == "2032-03-31"
    given = as_json(str(policy), "financial_record", "--financial-year-end", "2026-12-31")
    assert given["disposal_date"] == "2032-12-31"  # the option still wins

"""``hippocratic policy controls``: the security-control register a DPO reviews (S0-87)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.policy.sound import unsound
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

HARMONY = Path(__file__).resolve().parents[3] / "policies" / "harmony-healthcare.yaml"
runner = CliRunner()
WIDE = {"COLUMNS": "300"}


@pytest.mark.promise("S0-87")
def test_the_export_shows_owner_and_last_evidence_and_flags_the_overdue_review() -> None:
    result = runner.invoke(
        app, ["policy", "controls", str(HARMONY), "--as-of", "2026-12-07", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert data["organisation"] == "harmony" and data["as_of"] == "2026-12-07"
    rows = {row["key"]: row for row in data["controls"]}
    late = rows["supplier_agreements"]
    assert late["overdue"] is True and late["next_review"] == "2026-08-29"
    assert late["days_overdue"] == 100
    assert late["owner"] == "dpo" and late["owner_title"] == "Data Protection Officer"
    assert "contract reference" in late["evidence"]
    assert data["controls"][0]["key"] == "supplier_agreements"
    assert [key for key, row in rows.items() if row["overdue"]] == ["supplier_agreements"]
    assert rows["staff_training"]["annex_a"] == "A.6.3"


def test_the_table_names_each_control_and_says_how_many_are_late() -> None:
    result = runner.invoke(
        app, ["policy", "controls", str(HARMONY), "--as-of", "2026-12-07"], env=WIDE
    )
    assert result.exit_code == 0
    assert "OVERDUE 100 days (2026-08-29)" in result.stdout
    assert "encryption_at_rest" in result.stdout and "Data Protection Officer" in result.stdout
    assert result.stdout.rstrip().endswith("1 review overdue")
    earlier = runner.invoke(
        app, ["policy", "controls", str(HARMONY), "--as-of", "2026-08-01"], env=WIDE
    )
    assert "OVERDUE" not in earlier.stdout and "no review is overdue" in earlier.stdout


def test_an_unsound_policy_or_a_bad_date_is_refused(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["policy", "controls", str(unsound(tmp_path)), "--json"])
    assert bad.exit_code == 2 and json.loads(bad.stdout)["error"]["code"] == "policy.invalid"
    day = runner.invoke(app, ["policy", "controls", str(HARMONY), "--as-of", "2026-13-01"])
    assert day.exit_code == 2 and "not a date" in day.stderr

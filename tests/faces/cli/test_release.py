"""``hippocratic release`` from the shell, including the worked example of docs/releases.md."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.mark.slow
@pytest.mark.promise("S0-83")
def test_the_worked_example_runs(tmp_path: Path, shared_dir: Path) -> None:
    out, report = tmp_path / "adult.csv", tmp_path / "adult.json"
    result = runner.invoke(
        app,
        [
            "release",
            "anonymise",
            str(shared_dir / "data/adult/adult.csv"),
            "--sep",
            ";",
            "--spec",
            str(ROOT / "docs/examples/adult-release.yaml"),
            "--out",
            str(out),
            "--report",
            str(report),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["data"]
    assert summary["achieved_k"] >= 5
    assert summary["achieved_l"] >= 2
    assert summary["rows_suppressed"] <= 302
    assert json.loads(report.read_text())["project"] == "adult-example"
    assert len(pd.read_csv(out)) == summary["rows_out"]


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    pd.DataFrame({"age": ["30", "31"], "ward": ["a", "b"]}).to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text("project: p\nquasi_identifiers: {age: {builtin: age_bands}}\nmodels: {k: 2}\n")
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            "release",
            "anonymise",
            str(data),
            "--spec",
            str(spec),
            "--out",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 2
    assert "does not say what these columns are" in result.stderr
    assert not out.exists()
    assert not report.exists()


@pytest.mark.promise("S0-83", "S0-23")
def test_aggregate_applies_nhs_disclosure_control(tmp_path: Path) -> None:
    data = tmp_path / "visits.csv"
    rows = [("north", "pregnancy")] * 3 + [("north", "abdomen")] * 40 + [("south", "abdomen")] * 12
    pd.DataFrame(rows, columns=["clinic", "scan"]).to_csv(data, index=False)
    result = runner.invoke(
        app, ["release", "aggregate", str(data), "--by", "clinic", "--across", "scan", "--json"]
    )
    assert result.exit_code == 0, result.output
    table = {row["clinic"]: row for row in json.loads(result.stdout)["data"]}
    assert table["north"] == {"clinic": "north", "abdomen": "*", "pregnancy": "*", "total": "45"}
    assert table["south"] == {"clinic": "south", "abdomen": "10", "pregnancy": "0", "total": "10"}

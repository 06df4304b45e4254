"""``hippocratic release`` from the shell, including the worked example of docs/releases.md."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from tests.faces.cli.test_audit import where
from tests.services.test_store_release import PURPOSE, register_patients
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.store import Store
from hippocratic.storage.data_opt_out import DataOptOutRow
from hippocratic.storage.disclosure import DisclosureReleaseRow

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


def test_an_error_with_brackets_is_printed_as_written(tmp_path: Path) -> None:
    # Rich markup would take "[draft]" for a style and drop it from the message (#16).
    missing = tmp_path / "[draft]" / "spec.yaml"
    data = tmp_path / "data.csv"
    pd.DataFrame({"age": ["30", "31"]}).to_csv(data, index=False)
    result = runner.invoke(
        app,
        ["release", "anonymise", str(data), "--spec", str(missing), "--out", "o", "--report", "r"],
    )
    assert result.exit_code == 2
    assert f"cannot read {missing}" in " ".join(result.stderr.split())


def write(tmp_path: Path, frame: pd.DataFrame, spec: str) -> list[str]:
    data, spec_file = tmp_path / "data.csv", tmp_path / "spec.yaml"
    frame.to_csv(data, index=False)
    spec_file.write_text(spec)
    return [
        "release",
        "anonymise",
        str(data),
        "--spec",
        str(spec_file),
        "--out",
        str(tmp_path / "out.csv"),
        "--report",
        str(tmp_path / "report.json"),
    ]


KEEP_EMAIL = (
    "project: p\nquasi_identifiers: {age: {builtin: age_bands}}\nkeep: [contact]\nmodels: {k: 2}\n"
)


def test_a_direct_identifier_under_keep_is_refused_and_nothing_written(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"age": ["30", "31"] * 4, "contact": [f"p{n}@example.org" for n in range(8)]}
    )
    result = runner.invoke(app, [*write(tmp_path, frame, KEEP_EMAIL), "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "release.direct_identifier"
    assert error["details"][0]["column"] == "contact"
    assert not (tmp_path / "out.csv").exists()


def test_the_dpo_overrides_with_a_reason_recorded_in_the_report(tmp_path: Path) -> None:
    frame = pd.DataFrame({"age": ["30", "31"] * 4, "contact": ["[team]@example.org"] * 8})
    args = write(tmp_path, frame, KEEP_EMAIL)
    without_dpo = runner.invoke(
        app, [*args, "--override-identifier", "contact", "--reason", "shared inbox"]
    )
    assert without_dpo.exit_code == 2
    assert "--dpo" in without_dpo.stderr
    result = runner.invoke(
        app,
        [
            *args,
            "--override-identifier",
            "contact",
            "--reason",
            "the clinic's shared inbox [not a patient]",
            "--dpo",
            "Dr Test",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "the clinic's shared inbox [not a patient]" in " ".join(result.stdout.split())
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["identifier_overrides"] == [
        {
            "column": "contact",
            "kind": "email address",
            "recognised_by": "content",
            "detail": "8 of 8 sampled values: email address",
            "reason": "the clinic's shared inbox [not a patient]",
            "by": "Dr Test",
        }
    ]


def test_an_unreadable_date_is_a_clear_refusal_not_a_traceback(tmp_path: Path) -> None:
    frame = pd.DataFrame({"seen": ["2026-01-05", "05/01/2026"] * 3})
    spec = "project: p\nquasi_identifiers: {seen: {builtin: dates}}\nmodels: {k: 2}\n"
    result = runner.invoke(app, write(tmp_path, frame, spec))
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "input.unparseable" in said
    assert "row 2 of seen" in said
    assert "05/01/2026" not in said


STORE_SPEC = """project: audit-2026
direct_identifiers: {subject_id: pseudonymise, full_name: remove, email: remove, nhs_number: remove}
quasi_identifiers: {date_of_birth: {builtin: dates}}
keep: [gender]
models: {k: 2}
"""


def test_a_release_from_the_store_and_the_dpo_reidentifying_one_row(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    patients = register_patients(store)
    spec, out = tmp_path / "spec.yaml", tmp_path / "leeds.csv"
    spec.write_text(STORE_SPEC)
    args = where(database_url, tmp_path)
    release = ["release", "from-store", "--org", "harmonic", "--purpose", PURPOSE,
               "--spec", str(spec), *args]  # fmt: skip
    made = runner.invoke(app, [*release, "--recipient", "uni-leeds", "--out", str(out), "--json"])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout)["data"]
    assert summary["patients_read"] == 8 and summary["rows_out"] == 8
    table = pd.read_csv(out, dtype=str)
    assert list(table.columns) == ["subject_id", "date_of_birth", "gender"]
    report = json.loads((tmp_path / "leeds.csv.report.json").read_text())
    assert report["removed"] == ["full_name", "email", "nhs_number"]

    york = tmp_path / "york.csv"
    text = runner.invoke(app, [*release, "--recipient", "uni-york", "--out", str(york)])
    assert text.exit_code == 0, text.output
    assert "every read is in the audit ledger" in text.stdout
    assert not set(pd.read_csv(york, dtype=str)["subject_id"]) & set(table["subject_id"])

    alias = table["subject_id"].iloc[0]
    back = runner.invoke(
        app,
        ["release", "reidentify", "--org", "harmonic", "--recipient", "uni-leeds",
         "--pseudonym", alias, "--reason", "safety concern raised by the recipient", *args,
         "--json"],
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["data"]["subject"] in patients
    unknown = runner.invoke(
        app,
        ["release", "reidentify", "--org", "harmonic", "--recipient", "uni-york",
         "--pseudonym", alias, "--reason", "safety concern raised by the recipient", *args],
    )  # fmt: skip
    assert unknown.exit_code == 1 and "no patient here has pseudonym" in unknown.stderr


@pytest.mark.promise("L-14")
def test_the_dpo_records_an_opt_out_and_a_release_says_what_it_left_out(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    patients = register_patients(store)
    args = where(database_url, tmp_path)
    recorded = runner.invoke(
        app,
        ["release", "opt-out", "--org", "harmonic", patients[0],
         "--source", "NHS spine check 2026-12-01", *args, "--json"],
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(recorded.stdout)["data"] == {
        "subject": patients[0],
        "opted_out": True,
        "source": "NHS spine check 2026-12-01",
    }
    with store.sessions() as session:
        row = session.get(DataOptOutRow, ("harmonic", patients[0]))
    assert row is not None and row.opted_out and row.recorded_by == "operator"
    spec, out = tmp_path / "spec.yaml", tmp_path / "leeds.csv"
    spec.write_text(STORE_SPEC)
    made = runner.invoke(
        app,
        ["release", "from-store", "--org", "harmonic", "--purpose", PURPOSE, "--spec", str(spec),
         "--recipient", "uni-leeds", "--out", str(out), *args],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    said = " ".join(made.stdout.split())
    # legal disclosure is not research or planning: the opt-out does not apply to it
    assert "0 left out under the national data opt-out" in said
    with store.sessions() as session:
        (entry,) = session.scalars(select(DisclosureReleaseRow))
    assert f"in the disclosure log as {entry.release_id}" in said

"""``hippocratic retention run | forecast | hold | review`` and ``jobs run`` from the shell."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tests.faces.cli.test_audit import where
from tests.services.test_retention_sweep import patient
from typer.testing import CliRunner

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.cli.app import app
from hippocratic.services.store import Store

runner = CliRunner()


def _at(clock: FixedClock, day: date) -> None:
    clock.current = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)


@pytest.mark.promise("S0-34")
def test_run_dry_run_holds_and_reviews_from_the_shell(
    store: Store,
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    subject, other = patient(store), patient(store)
    args = ["--org", "harmonic", *where(database_url, tmp_path)]
    held = runner.invoke(
        app,
        [
            "retention",
            "hold",
            "add",
            other,
            "--kind",
            "litigation",
            "--reason",
            "claim",
            "--owner",
            "solicitor",
            *args,
            "--json",
        ],
    )
    assert held.exit_code == 0, held.output
    hold_id = json.loads(held.output)["data"]["hold_id"]
    _at(clock, date(2034, 1, 10))
    dry = runner.invoke(app, ["retention", "run", "--dry-run", *args, "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["data"]["counts"]["adult_health_record/review"] == 1
    listed = runner.invoke(app, ["retention", "review", "list", *args, "--json"])
    assert json.loads(listed.output)["data"] == []  # the dry run opened nothing
    real = runner.invoke(app, ["retention", "run", *args])
    assert real.exit_code == 0 and "adult_health_record/review" in real.output
    [review] = json.loads(
        runner.invoke(app, ["retention", "review", "list", *args, "--json"]).output
    )["data"]
    assert review["subject_id"] == subject
    bad = runner.invoke(
        app,
        [
            "retention",
            "review",
            "decide",
            review["review_id"],
            "--decision",
            "keep",
            "--reason",
            "x",
            *args,
        ],
    )
    assert bad.exit_code != 0 and "later day" in bad.output
    decided = runner.invoke(
        app,
        [
            "retention",
            "review",
            "decide",
            review["review_id"],
            "--decision",
            "dispose",
            "--reason",
            "care ended",
            *args,
        ],
    )
    assert decided.exit_code == 0, decided.output
    swept = runner.invoke(app, ["retention", "run", "--as-of", "2034-01-11", *args, "--json"])
    assert json.loads(swept.output)["data"]["shredded"] == 1
    assert store.vault.is_erased("harmonic", subject)
    assert not store.vault.is_erased("harmonic", other)
    shown = runner.invoke(app, ["retention", "hold", "list", *args])
    assert hold_id in shown.output and "litigation" in shown.output
    lifted = runner.invoke(
        app, ["retention", "hold", "lift", hold_id, "--reason", "settled", *args]
    )
    assert lifted.exit_code == 0, lifted.output
    again = runner.invoke(app, ["retention", "run", "--as-of", "2034-01-12", *args, "--json"])
    assert json.loads(again.output)["data"]["counts"]["adult_health_record/review"] == 1
    verified = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path)])
    assert verified.exit_code == 0, verified.output


def test_jobs_run_catches_up_and_the_forecast_plots(
    store: Store,
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    patient(store)
    patient(store, seen=datetime(2026, 3, 20, 10, tzinfo=UTC))
    args = ["--org", "harmonic", *where(database_url, tmp_path)]
    _at(clock, date(2033, 11, 30))
    first = runner.invoke(app, ["jobs", "run", *args, "--json"])
    assert [r["as_of"] for r in json.loads(first.output)["data"]] == ["2033-11-30"]
    _at(clock, date(2033, 12, 2))
    later = runner.invoke(app, ["jobs", "run", *args, "--json"])
    assert [r["as_of"] for r in json.loads(later.output)["data"]] == ["2033-12-01", "2033-12-02"]
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    shown = runner.invoke(
        app,
        [
            "retention",
            "forecast",
            "--months",
            "6",
            "--png",
            str(png),
            "--svg",
            str(svg),
            *args,
            "--json",
        ],
    )
    assert shown.exit_code == 0, shown.output
    months = {m["month"]: m["by_rule"] for m in json.loads(shown.output)["data"]["months"]}
    assert months["2034-01"] == {"adult_health_record": 2}  # the field and the visit, 10 Jan
    assert months["2034-03"] == {"adult_health_record": 2}  # 20 Mar
    assert months["2033-12"] == {}
    assert png.read_bytes().startswith(b"\x89PNG") and b"<svg" in svg.read_bytes()
    table = runner.invoke(app, ["retention", "forecast", *args])
    assert "2034-01" in table.output and "adult_health_record" in table.output

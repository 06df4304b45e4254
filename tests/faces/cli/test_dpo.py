"""``hippocratic dpo evidence`` from the shell: a summary for a person, the JSON envelope, and
the pack written to a file as a readable HTML page (or JSON), every number from the store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.faces.cli.test_audit import where
from tests.services.clinic import hire
from tests.services.test_appointments import book
from tests.services.test_dpo_dashboard import rectification
from tests.services.test_evidence_pack import chain_length
from tests.storage.ledger_store import tamper
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.store import Store

runner = CliRunner()


@pytest.fixture
def clinic(store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Store:
    hire(store)
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    return store


def test_the_pack_as_a_summary_json_and_an_html_file(
    clinic: Store, database_url: str, tmp_path: Path
) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    rectification(clinic, subject, clinic.clock.now() - timedelta(days=40))
    args = ["dpo", "evidence", "--org", "harmonic", *where(database_url, tmp_path)]

    said = runner.invoke(app, args)
    assert said.exit_code == 0, said.output
    assert f"audit chain: verified to event {chain_length(clinic)}" in said.output
    assert "rights requests: 1 open, 1 overdue" in said.output
    assert "processors: 3, 3 may receive nothing today" in said.output

    machine = runner.invoke(app, [*args, "--json"])
    assert machine.exit_code == 0, machine.output
    data = json.loads(machine.output)["data"]
    assert data["audit"]["verified"] is True
    assert data["audit"]["verified_to"] == chain_length(clinic)
    assert data["rights"]["overdue"] == 1

    out = tmp_path / "evidence.html"
    wrote = runner.invoke(app, [*args, "--out", str(out)])
    assert wrote.exit_code == 0 and f"wrote {out}" in wrote.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Evidence pack: Harmonic" in page
    assert f"<strong>verified</strong> to event {chain_length(clinic)}" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3", "")
    kept = tmp_path / "evidence.json"
    assert runner.invoke(app, [*args, "--out", str(kept)]).exit_code == 0
    assert json.loads(kept.read_text())["data"]["organisation"] == "harmonic"


def test_a_broken_chain_is_said_plainly_and_exits_4(
    clinic: Store, database_url: str, tmp_path: Path
) -> None:
    tamper(database_url, "UPDATE audit_event SET actor = 'x' WHERE "
                         "organisation_id = 'harmonic' AND seq = 1")  # fmt: skip
    said = runner.invoke(app, ["dpo", "evidence", "--org", "harmonic",
                               *where(database_url, tmp_path)])  # fmt: skip
    assert said.exit_code == 4, said.output  # as `audit verify`: the pack is still shown
    assert "audit chain: BROKEN at event 1" in said.output

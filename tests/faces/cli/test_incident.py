"""``hippocratic incident report | list | assess | affected`` from the shell: an incident
opened with its clock, the register's alert exit code as the deadline nears, the DPO's
decision with its reason, and the patients it reaches computed from the ledger."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.faces.cli.test_audit import where
from tests.services.clinic import actor, hire
from tests.services.test_appointments import book
from tests.services.test_release_incident import WENT_ASTRAY, released
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.patients import Patients
from hippocratic.services.store import Store
from hippocratic.storage.incident import IncidentDecisionRow

runner = CliRunner()
LOST = "A sonographer's laptop with this morning's worklist was left on a train"
WHY = "The laptop's disk encryption could not be confirmed by IT, so treat the data as exposed"


@pytest.mark.promise("L-08", "S1-26")
def test_the_dpo_runs_the_breach_register_from_the_shell(
    store: Store, database_url: str, tmp_path: Path, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hire(store)
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    subject = book(store).subject_id  # type: ignore[attr-defined]
    start = clock.now()
    clock.advance(timedelta(minutes=1))
    Patients(store, actor("harmonic", "sam")).view(subject)
    clock.advance(timedelta(minutes=1))
    args = [*where(database_url, tmp_path), "--org", "harmonic"]
    window = ["--from", start.isoformat(), "--to", clock.now().isoformat(), "--actor", "sam"]
    made = runner.invoke(app, ["incident", "report", LOST, *window, *args, "--json"])
    assert made.exit_code == 0, made.output
    incident = json.loads(made.output)["data"]
    assert incident["status"] == "open" and incident["clock"]["minutes_left"] == 72 * 60
    calm = runner.invoke(app, ["incident", "list", *args])
    assert calm.exit_code == 0 and "72 h 00 min left" in calm.output
    unreasoned = runner.invoke(
        app, ["incident", "assess", incident["incident_id"], "--breach", "none",
              "--risk", "no_risk", "--reason", "fine", *args],
    )  # fmt: skip
    assert unreasoned.exit_code != 0 and "reason" in unreasoned.output
    outside = runner.invoke(
        app, ["incident", "assign", incident["incident_id"], "--owner", "rita", *args]
    )
    assert outside.exit_code != 0 and "not on the incident team" in outside.output
    owned = runner.invoke(
        app, ["incident", "assign", incident["incident_id"], "--owner", "dee", *args, "--json"]
    )
    assert owned.exit_code == 0 and json.loads(owned.output)["data"]["owner"] == "dee"
    decided = runner.invoke(
        app, ["incident", "assess", incident["incident_id"], "--breach", "likely",
              "--risk", "risk", "--reason", WHY, *args],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    with store.sessions() as session:
        (row,) = session.query(IncidentDecisionRow).all()
        assert (row.breach, row.reason, row.notify_ico) == ("likely", WHY, True)
    reached = runner.invoke(app, ["incident", "affected", incident["incident_id"], *args, "--json"])
    assert reached.exit_code == 0, reached.output
    found = json.loads(reached.output)["data"]
    assert [p["subject_id"] for p in found["patients"]] == [subject]
    clock.advance(timedelta(hours=61))
    loud = runner.invoke(app, ["incident", "list", *args])
    assert loud.exit_code == 1 and incident["incident_id"] in loud.output


@pytest.mark.promise("S1-26")
def test_a_wrong_release_is_reported_from_the_shell(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    hire(store)
    subject, request_id = released(store)
    args = [*where(database_url, tmp_path), "--org", "harmonic"]
    made = runner.invoke(
        app, ["incident", "release-report", request_id, "--fault", "wrong_recipient",
              "--description", WENT_ASTRAY, *args, "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    incident = json.loads(made.output)["data"]
    assert incident["source"] == "release" and incident["release"]["subject_id"] == subject
    assert incident["clock"]["minutes_left"] >= 72 * 60 - 1  # aware when reported: just now
    listed = runner.invoke(app, ["incident", "list", *args])
    assert incident["incident_id"] in listed.output and "The access package" in listed.output

"""``hippocratic audit verify | history | export`` from the shell."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from tests.storage.ledger_store import tamper
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store
from hippocratic.storage.ledger import AuditEventRow

runner = CliRunner()


def where(database_url: str, tmp_path: Path) -> list[str]:
    return ["--db", database_url, "--keys", str(tmp_path / "keys")]


@pytest.fixture
def patient(store: Store, clock) -> str:  # type: ignore[no-untyped-def]
    subject = Records(store, Actor("harmonic", "alice", "reception")).register(
        "care", {"full_name": "Ada Example"}
    )
    clock.advance(timedelta(hours=1))
    Records(store, Actor("harmonic", "dee", "dpo")).read(subject, "rights_requests", ["full_name"])
    return subject


@pytest.mark.promise("S0-81")
def test_verify_passes_an_intact_ledger_and_names_the_first_bad_event(
    store: Store, patient: str, database_url: str, tmp_path: Path
) -> None:
    ok = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path), "--json"])
    assert ok.exit_code == 0, ok.output
    assert {"organisation": "harmonic", "events": 3, "ok": True} in json.loads(ok.stdout)["data"]
    tamper(database_url, "UPDATE audit_event SET purpose = 'care' WHERE seq = 3")
    broken = runner.invoke(
        app, ["audit", "verify", "--organisation", "harmonic", *where(database_url, tmp_path)]
    )
    assert broken.exit_code == 4
    assert "harmonic: the audit ledger does not verify at event 3" in broken.stderr
    as_json = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path), "--json"])
    error = json.loads(as_json.stdout)["error"]
    assert (error["code"], error["details"][0]["first_bad_seq"]) == ("audit.integrity", 3)
    assert (error["details"][0]["kind"], error["details"][0]["verified_events"]) == ("edited", 2)


@pytest.mark.promise("S0-81")
def test_history_shows_who_accessed_the_record_when_and_why(
    store: Store, patient: str, database_url: str, tmp_path: Path
) -> None:
    shown = runner.invoke(
        app, ["audit", "history", "harmonic", patient, *where(database_url, tmp_path), "--json"]
    )
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)["data"]
    assert [(r["actor"], r["purpose"], r["action"], r["outcome"]) for r in rows] == [
        ("dee", "rights_requests", "read", "allowed"),
        ("alice", "care", "create", "allowed"),
    ]
    page = runner.invoke(
        app,
        ["audit", "history", "harmonic", patient, "--limit", "1", "--offset", "1",
         *where(database_url, tmp_path), "--json"],
    )  # fmt: skip
    assert [r["actor"] for r in json.loads(page.stdout)["data"]] == ["alice"]
    table = runner.invoke(app, ["audit", "history", "harmonic", patient,
                                *where(database_url, tmp_path)])  # fmt: skip
    assert table.exit_code == 0
    assert "dee" in table.stdout and "alice" in table.stdout


@pytest.mark.promise("S0-81")
def test_history_finds_the_patient_by_nhs_number_or_name_and_audits_the_lookup(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    reception = Records(store, Actor("harmonic", "alice", "reception"))
    subject = reception.register(
        "care",
        {"full_name": "Ada Example", "date_of_birth": "1984-03-02", "nhs_number": "9434765919"},
    )
    reception.register("care", {"full_name": "Ada Example", "date_of_birth": "1990-01-01"})
    opts = [*where(database_url, tmp_path), "--json"]
    by_number = runner.invoke(
        app, ["audit", "history", "harmonic", "--nhs-number", "943 476 5919", *opts]
    )
    assert by_number.exit_code == 0, by_number.output
    rows = json.loads(by_number.stdout)["data"]
    direct = runner.invoke(app, ["audit", "history", "harmonic", subject, *opts])
    assert rows == json.loads(direct.stdout)["data"]
    assert [(r["action"], r["actor"]) for r in rows] == [("create", "alice")]
    by_name = runner.invoke(
        app,
        ["audit", "history", "harmonic", "--name", "Ada Example", "--born", "1984-03-02", *opts],
    )
    assert [r["action"] for r in json.loads(by_name.stdout)["data"]] == ["create"]
    both = runner.invoke(app, ["audit", "history", "harmonic", "--name", "Ada Example", *opts])
    assert both.exit_code == 1
    assert json.loads(both.stdout)["error"]["code"] == "conflict"
    nobody = runner.invoke(app, ["audit", "history", "harmonic", "--nhs-number", "9990000018",
                                 *opts])  # fmt: skip
    assert json.loads(nobody.stdout)["error"]["code"] == "not_found"
    neither = runner.invoke(app, ["audit", "history", "harmonic", *opts])
    assert neither.exit_code == 2
    with store.sessions() as session:
        searches = session.scalars(
            select(AuditEventRow).where(
                AuditEventRow.action == "search", AuditEventRow.actor == "operator"
            )
        ).all()
    assert len(searches) == 4
    assert {(e.role, e.purpose) for e in searches} == {("dpo", "access_audit")}


def test_export_prints_a_valid_fhir_bundle(
    store: Store, patient: str, database_url: str, tmp_path: Path
) -> None:
    out = runner.invoke(
        app, ["audit", "export", "harmonic", "--format", "fhir", *where(database_url, tmp_path)]
    )
    assert out.exit_code == 0, out.output
    bundle = Bundle.model_validate(json.loads(out.stdout))
    assert [e.resource.action for e in bundle.entry] == ["E", "C", "R"]
    assert bundle.entry[2].resource.entity[0].what.reference == f"Patient/{patient}"
    other = runner.invoke(app, ["audit", "export", "harmony", *where(database_url, tmp_path)])
    assert [e["resource"]["outcomeDesc"][:13] for e in json.loads(other.stdout)["entry"]] == [
        "policy sha256"
    ]
    unknown = runner.invoke(app, ["audit", "export", "nobody", *where(database_url, tmp_path)])
    assert unknown.exit_code != 0
    assert unknown.stdout == ""

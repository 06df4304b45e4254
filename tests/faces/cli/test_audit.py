"""``hippocratic audit verify | witness | history | export`` from the shell, and what
``audit verify`` finds after each attack of someone who can write the whole database."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select, text
from tests.storage.ledger_store import forge_onto_head, rewrite, tamper
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store
from hippocratic.storage import ledger_verify
from hippocratic.storage.ledger import AuditCheckpointRow, AuditEventRow

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
    assert {
        "organisation": "harmonic", "events": 3, "ok": True, "signed_to": 3, "witnessed_to": 3
    } in json.loads(ok.stdout)["data"]  # fmt: skip
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


# Attacks by someone who can write the whole data database (triggers dropped), but not the key
# store or the witness file beside the keys: each ends in exit 4 naming the first bad event or
# the missing checkpoint, and verification itself changes nothing.


@pytest.fixture
def chain(store: Store, patient: str, clock) -> str:  # type: ignore[no-untyped-def]
    """Harmonic's chain: events 1-3 from ``patient`` (checkpoints 1 and 3: a chain's first
    append, and an hour later), 4-5 unsigned, 6 two minutes on (signed), 7 unsigned."""
    dpo = Records(store, Actor("harmonic", "dee", "dpo"))
    dpo.read(patient, "rights_requests", ["full_name"])
    dpo.read(patient, "rights_requests", ["full_name"])
    clock.advance(timedelta(minutes=2))
    dpo.read(patient, "rights_requests", ["full_name"])
    dpo.read(patient, "rights_requests", ["full_name"])
    with store.sessions() as session:
        signed = session.scalars(
            select(AuditCheckpointRow.seq)
            .where(AuditCheckpointRow.organisation_id == "harmonic")
            .order_by(AuditCheckpointRow.seq)
        )
        assert list(signed) == [1, 3, 6]
    return patient


def state(store: Store, tmp_path: Path) -> tuple[object, ...]:
    """Everything an attack or a verification could change."""
    with store.sessions() as session:
        tables = tuple(
            tuple(session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all())
            for table in ("audit_event", "audit_checkpoint", "audit_head")
        )
    with store.key_engine.connect() as connection:
        witnessed = tuple(connection.execute(text("SELECT * FROM audit_witness")).all())
    return (*tables, witnessed, (tmp_path / "keys" / "audit-witness.jsonl").read_bytes())


def verdict(store: Store, database_url: str, tmp_path: Path, *extra: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    """``audit verify`` as text and as JSON: exit 4 both times, harmony still intact, nothing
    changed by verifying; the message and the error's details."""
    before = state(store, tmp_path)
    text_run = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path), *extra])
    json_run = runner.invoke(
        app, ["audit", "verify", *where(database_url, tmp_path), *extra, "--json"]
    )
    assert (text_run.exit_code, json_run.exit_code) == (4, 4), text_run.output
    error = json.loads(json_run.stdout)["error"]
    assert error["code"] == "audit.integrity"
    assert [d["organisation"] for d in error["details"]] == ["harmonic"]  # harmony verifies
    assert state(store, tmp_path) == before
    return " ".join(text_run.stderr.split()), error["details"][0]


def test_the_intact_chain_verifies_signed_and_witnessed_to_its_last_checkpoint(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    shown = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "harmonic: 7 events, chain intact, signed to event 6, witnessed to event 6" in (
        " ".join(shown.stdout.split())
    )


@pytest.mark.promise("S0-81", "S0-105")
def test_deleting_the_last_events_and_rewinding_the_head_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    """Before #17 this chain had no checkpoint at all: now one was signed on time at event 6,
    in the database and in the witnesses."""
    tamper(database_url, "DELETE FROM audit_event WHERE organisation_id = 'harmonic' AND seq > 3")
    rewind(database_url, 3)
    message, details = verdict(store, database_url, tmp_path)
    assert (
        "harmonic: the audit ledger does not verify at event 4: event 4 is missing: the key "
        "store holds a signed checkpoint at event 6"
    ) in message
    assert "the database's chain ends at event 3" in message
    assert (details["kind"], details["first_bad_seq"]) == ("truncated", 4)


def rewind(database_url: str, seq: int) -> None:
    """Move harmonic's head back to event ``seq``, hash and all."""
    tamper(
        database_url,
        f"UPDATE audit_head SET seq = {seq}, hash = (SELECT hash FROM audit_event "
        f"WHERE organisation_id = 'harmonic' AND seq = {seq}) WHERE organisation_id = 'harmonic'",
    )


@pytest.mark.promise("S0-81", "S0-105")
def test_deleting_every_event_and_the_head_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    for table in ("audit_event", "audit_checkpoint", "audit_head"):
        tamper(database_url, f"DELETE FROM {table} WHERE organisation_id = 'harmonic'")
    message, details = verdict(store, database_url, tmp_path)
    assert (
        "does not verify at event 1: event 1 is missing: the key store holds a signed "
        "checkpoint at event 6"
    ) in message
    assert "but the database holds no events of this organisation" in message
    assert (details["kind"], details["verified_events"]) == ("truncated", 0)


@pytest.mark.promise("S0-81", "S0-105")
@pytest.mark.parametrize("checkpoints_deleted", [False, True], ids=["kept", "deleted"])
def test_editing_an_event_and_recomputing_every_later_hash_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path, checkpoints_deleted: bool
) -> None:
    """Event 4 rewritten with every hash after it recomputed: it no longer matches the
    checkpoint at event 6, whether the database still holds it or the attacker deleted the
    checkpoints there that cover event 4 (the witnesses hold them)."""
    rewrite(database_url, "harmonic", 4, actor="mallory")
    if checkpoints_deleted:
        tamper(
            database_url,
            "DELETE FROM audit_checkpoint WHERE organisation_id = 'harmonic' AND seq >= 4",
        )
    message, details = verdict(store, database_url, tmp_path)
    assert (
        "does not verify at event 6: event 6 differs from the signed checkpoint the key store holds"
    ) in message
    assert "an event from 4 to 6 was changed and the hashes after it recomputed" in message
    assert (details["kind"], details["verified_events"]) == ("checkpoint", 3)


@pytest.mark.promise("S0-81", "S0-105")
def test_deleting_a_signed_checkpoint_alone_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    tamper(
        database_url,
        "DELETE FROM audit_checkpoint WHERE organisation_id = 'harmonic' AND seq = 3",
    )
    message, details = verdict(store, database_url, tmp_path)
    assert (
        "does not verify at event 3: the signed checkpoint at event 3 is missing from the "
        "database: the key store holds it"
    ) in message
    assert (details["kind"], details["first_bad_seq"]) == ("checkpoint_missing", 3)


@pytest.mark.promise("S0-81", "S0-105")
def test_truncating_the_tail_and_deleting_the_checkpoint_above_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    tamper(database_url, "DELETE FROM audit_event WHERE organisation_id = 'harmonic' AND seq > 5")
    tamper(
        database_url, "DELETE FROM audit_checkpoint WHERE organisation_id = 'harmonic' AND seq > 5"
    )
    rewind(database_url, 5)
    message, details = verdict(store, database_url, tmp_path)
    assert (
        "does not verify at event 6: event 6 is missing: the key store holds a signed "
        "checkpoint at event 6"
    ) in message
    assert (details["kind"], details["verified_events"]) == ("truncated", 5)


@pytest.mark.promise("S0-81", "S0-105")
def test_appending_a_forged_event_with_a_correct_hash_is_found(
    store: Store, chain: str, database_url: str, tmp_path: Path, clock
) -> None:  # type: ignore[no-untyped-def]
    """The forger dates it as now, five minutes after the last checkpoint: an honest append
    would have signed it, and the key to sign it is not in the database."""
    seq = forge_onto_head(database_url, "harmonic", clock.now() + timedelta(minutes=5))
    message, details = verdict(store, database_url, tmp_path)
    assert f"does not verify at event {seq}: the checkpoint due with event {seq} is missing" in (
        message
    )
    assert (details["kind"], details["first_bad_seq"]) == ("checkpoint_missing", 8)


def test_an_exported_checkpoint_catches_what_the_host_attacker_hid_from_the_witnesses(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    """The DPO keeps ``audit witness --out``. Someone who can write the database, the key store
    and the witness file cuts the tail and removes it everywhere on the host; verification
    there cannot tell, the DPO's copy can."""
    kept = tmp_path / "dpo-copy.json"
    out = runner.invoke(
        app, ["audit", "witness", "--organisation", "harmonic", "--out", str(kept),
              *where(database_url, tmp_path)],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "harmonic: event 7" in out.stdout and f"written to {kept}" in out.stdout
    tamper(database_url, "DELETE FROM audit_event WHERE organisation_id = 'harmonic' AND seq > 5")
    tamper(
        database_url, "DELETE FROM audit_checkpoint WHERE organisation_id = 'harmonic' AND seq > 5"
    )
    rewind(database_url, 5)
    with store.key_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_witness WHERE seq > 5"))
    witness_file = tmp_path / "keys" / "audit-witness.jsonl"
    lines = witness_file.read_text().splitlines()
    witness_file.write_text("".join(line + "\n" for line in lines if '"seq":6' not in line
                                    and '"seq":7' not in line))  # fmt: skip
    fooled = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path)])
    assert fooled.exit_code == 0, fooled.output
    message, details = verdict(store, database_url, tmp_path, "--against", str(kept))
    assert f"event 6 is missing: the file {kept} holds a signed checkpoint at event 7" in message
    assert (details["kind"], details["first_bad_seq"]) == ("truncated", 6)


def test_witness_signs_the_head_prints_and_exports_it_and_refuses_a_broken_chain(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoint.json"
    shown = runner.invoke(
        app, ["audit", "witness", "--out", str(kept), *where(database_url, tmp_path), "--json"]
    )
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)["data"]
    assert json.loads(kept.read_text()) == document
    assert document["format"] == "hippocratic-audit-witness/1"
    assert [(c["organisation"], c["seq"]) for c in document["checkpoints"]] == [
        ("harmonic", 7), ("harmony", 1)
    ]  # fmt: skip
    with store.sessions() as session:
        head = session.execute(text("SELECT hash FROM audit_head WHERE organisation_id = "
                                    "'harmonic'")).scalar_one()  # fmt: skip
        assert document["checkpoints"][0]["hash"] == bytes(head).hex()
        assert session.get(AuditCheckpointRow, ("harmonic", 7)) is not None
    again = runner.invoke(app, ["audit", "verify", "--against", str(kept),
                                *where(database_url, tmp_path)])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "witnessed to event 7" in again.stdout
    tamper(database_url, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    refused = runner.invoke(app, ["audit", "witness", *where(database_url, tmp_path)])
    assert refused.exit_code == 4
    assert "does not verify at event 2" in refused.stderr
    with store.sessions() as session:
        assert session.get(AuditCheckpointRow, ("harmonic", 7)) is not None
        assert session.scalar(text("SELECT COUNT(*) FROM audit_checkpoint")) == 5


def test_against_a_file_that_is_not_an_exported_checkpoint_is_bad_input(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "note.json").write_text("{}")
    refused = runner.invoke(
        app,
        ["audit", "verify", "--against", str(tmp_path / "note.json"),
         *where(database_url, tmp_path), "--json"],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert json.loads(refused.stdout)["error"]["field"] == "against"


@pytest.mark.promise("S0-81")
def test_honest_appends_that_land_while_verification_runs_never_fail_it(
    store: Store, chain: str, database_url: str, tmp_path: Path, clock, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Each time verification starts reading the chain, another writer appends events with a
    checkpoint and witnesses it: the snapshot does not have them, the witnesses were read
    before it began, so the verdict stays "intact"."""
    real = ledger_verify.batches
    dpo = Records(store, Actor("harmonic", "dee", "dpo"))

    def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        clock.advance(timedelta(minutes=2))
        dpo.read(chain, "rights_requests", ["full_name"])  # signed on time, then witnessed
        yield from real(*args, **kwargs)

    monkeypatch.setattr(ledger_verify, "batches", busy)
    for _ in range(3):
        shown = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path)])
        assert shown.exit_code == 0, shown.output
    monkeypatch.undo()
    with store.key_engine.connect() as connection:
        witnessed = connection.execute(text("SELECT MAX(seq) FROM audit_witness WHERE "
                                            "organisation_id = 'harmonic'")).scalar()  # fmt: skip
    assert witnessed == 13  # 7, and one more as each of 2 organisations x 3 runs began
    final = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path)])
    assert "harmonic: 13 events, chain intact" in final.stdout


@pytest.mark.promise("S1-24")
def test_the_signing_key_is_never_in_the_data_database(
    store: Store, chain: str, database_url: str, tmp_path: Path
) -> None:
    """Signed checkpoints cannot be forged from the database: the private key (and its public
    half) live in the key store, wrapped by the master key, beside the witness file."""
    private = store.vault.signing_key("harmonic").private_bytes_raw()
    with store.sessions() as session:
        tables = session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'table'")
            if store.engine.dialect.name == "sqlite"
            else text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        dump = b"".join(
            repr(row).encode() + b"".join(v for v in row if isinstance(v, bytes))
            for table in tables
            for row in session.execute(text(f'SELECT * FROM "{table}"')).all()
        )
    assert len(tables) > 10
    assert private not in dump and private.hex().encode() not in dump
    assert (tmp_path / "keys" / "audit-witness.jsonl").exists()


@pytest.mark.promise("S0-81")
def test_an_organisation_deleted_from_the_database_is_found_by_its_witnesses(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    for table in ("audit_event", "audit_checkpoint", "audit_head", "organisation"):
        tamper(database_url, f"DELETE FROM {table} WHERE organisation_id = 'harmony'")
    shown = runner.invoke(app, ["audit", "verify", *where(database_url, tmp_path), "--json"])
    assert shown.exit_code == 4, shown.output
    (details,) = json.loads(shown.stdout)["error"]["details"]
    assert (details["organisation"], details["kind"]) == ("harmony", "truncated")
    assert "the database holds no events of this organisation" in details["problem"]

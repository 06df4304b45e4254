"""``hippocratic audit``: verify the ledger, witness its head, show who accessed a record,
export FHIR."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hippocratic.errors import InputError, IntegrityFailure
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, KeysOption
from hippocratic.services import audit as audit_service
from hippocratic.services.store import open_store

app = typer.Typer(help="The audit ledger: who accessed what, when and why.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


class ExportFormat(StrEnum):
    FHIR = "fhir"


@app.command("verify")
def verify(
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes that check a long chain side by side (default: one per core, "
            "at most 4).",
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            help="Also check against this file, written by `audit witness --out` and kept "
            "elsewhere.",
        ),
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Exit 0 if every chain is intact and holds every checkpoint it should, here and in its
    witnesses; otherwise exit 4 naming the first bad event or the missing checkpoint."""
    wants_json(as_json)
    store = open_store(db, keys)
    try:
        results = audit_service.verify_store(store, organisation, workers, against)
    finally:
        store.dispose()
    _refuse_broken(results)

    def show() -> None:
        for r in results:
            console.print(
                f"[green]ok[/]  {escape(r.organisation)}: {r.count} events, chain intact, "
                f"signed to event {r.signed_to}, witnessed to event {r.witnessed_to}",
                markup=True,
            )
            for rollback in r.rollbacks:
                console.print(f"    {rollback}", markup=False)

    rows = [
        {
            "organisation": r.organisation,
            "events": r.count,
            "ok": True,
            "signed_to": r.signed_to,
            "witnessed_to": r.witnessed_to,
            **({"rollbacks": list(r.rollbacks)} if r.rollbacks else {}),
        }
        for r in results
    ]
    emit(rows, as_json=as_json, render=show)


@app.command("witness")
def witness(
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the checkpoints to this file (JSON).")
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify each chain, sign its head if events came since the last checkpoint, and print
    the checkpoint (organisation, event, head hash, time, signature), for a DPO to keep
    elsewhere and give to `audit verify --against`. A chain that does not verify is exit 4
    and nothing is signed."""
    wants_json(as_json)
    store = open_store(db, keys)
    try:
        _refuse_broken(audit_service.verify_store(store, organisation))
        checkpoints = audit_service.sign_heads(store, organisation)
        document = audit_service.witness_document(store, checkpoints)
    finally:
        store.dispose()
    if out is not None:
        try:
            out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc}", field="out") from exc

    def show() -> None:
        for entry in document["checkpoints"]:
            console.print(
                f"{entry['organisation']}: event {entry['seq']}, signed {entry['signed_at']}\n"
                f"  head hash  {entry['hash']}\n  signature  {entry['signature']}\n"
                f"  public key {entry['public_key']}"
            )
        if out is not None:
            console.print(f"written to {out}")

    emit(document, as_json=as_json, render=show)


def _refuse_broken(results: list[audit_service.VerifyResult]) -> None:
    """Exit 4 (``IntegrityFailure``) naming the first organisation whose ledger fails."""
    broken = [r for r in results if not r.ok]
    if not broken:
        return
    first = broken[0]
    where = (
        "the consent ledger does not verify"
        if first.kind is audit_service.Problem.CONSENT
        else f"the audit ledger does not verify at event {first.first_bad_seq}"
    )
    raise IntegrityFailure(
        f"{first.organisation}: {where}: {first.problem}",
        details=[
            {
                "organisation": r.organisation,
                "first_bad_seq": r.first_bad_seq,
                "kind": str(r.kind),
                "problem": r.problem,
                "verified_events": r.count,
            }
            for r in broken
        ],
        hint="restore the ledger from a verified backup and report a possible breach",
    )


@app.command("history")
def history(
    organisation: Annotated[str, typer.Argument(help="Organisation key.")],
    subject: Annotated[
        str | None, typer.Argument(help="The patient's subject id (or find them below).")
    ] = None,
    nhs_number: Annotated[
        str | None, typer.Option("--nhs-number", help="Find the patient by NHS number.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Find the patient by full name (with --born).")
    ] = None,
    born: Annotated[str | None, typer.Option(help="Their date of birth, YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Events per page.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many newer events.")] = 0,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Who accessed this patient's record, when and why (newest first). Find the patient by
    subject id, NHS number, or name and date of birth; the lookup is itself audited."""
    wants_json(as_json)
    given = {"nhs_number": nhs_number, "full_name": name, "date_of_birth": born}
    identifiers = {field: value for field, value in given.items() if value}
    if (subject is None) == (not identifiers):
        raise InputError(
            "give the subject id, or identifiers to find the patient by, not both",
            field="subject",
            hint="e.g. --nhs-number '999 000 0018', or --name 'Ada Example' --born 1984-03-02",
        )
    store = open_store(db, keys)
    try:
        if subject is None:
            subject = audit_service.find_subject(store, organisation, identifiers)
        records = audit_service.access_history(store, organisation, subject, limit, offset)
    finally:
        store.dispose()

    def show() -> None:
        table = Table("when", "who", "role", "purpose", "action", "outcome", "fields", "reason")
        for r in records:
            table.add_row(
                r.at,
                r.actor,
                r.role,
                r.purpose,
                r.action,
                r.outcome,
                ", ".join(r.fields),
                r.reason or "",
            )
        console.print(table)

    emit(records, as_json=as_json, render=show)


@app.command("export")
def export(
    organisation: Annotated[str, typer.Argument(help="Organisation key.")],
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="Only FHIR R4 is offered.")
    ] = ExportFormat.FHIR,
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Print every event as a FHIR R4 Bundle of AuditEvent resources (IHE BALP shape),
    streamed, so a long ledger does not have to fit in memory."""
    store = open_store(db, keys)
    out = sys.stdout
    try:
        resources = audit_service.fhir_resources(store, organisation)
        first = next(resources, None)  # errors (an unknown organisation) before any output
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
        if first is not None:
            out.write("\n  " + json.dumps({"resource": first}))
        for resource in resources:
            out.write(",\n  " + json.dumps({"resource": resource}))
        out.write("\n]}\n")
    finally:
        store.dispose()

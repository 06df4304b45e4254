"""``hippocratic backup`` and ``hippocratic restore``: the data and the key store kept apart,
and every erasure made since a backup replayed when it is restored (docs/backup.md)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption
from hippocratic.services import backup as backup_service
from hippocratic.services import restore as restore_service


def backup(
    out: Annotated[
        Path, typer.Option("--out", help="A new or empty folder to write the backup into.")
    ],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Back up the data (data/) and, apart from it, the key store (keys/), with a manifest.

    Each ledger's head is signed first, so the witnesses hold the head the backup holds. The
    master key is not copied. Keep keys/ somewhere other than data/.
    """
    wants_json(as_json)
    report = backup_service.take_backup(out, db, keys)

    def render() -> None:
        console.print(
            f"backup {report.backup_id} taken {report.taken_at.isoformat(timespec='seconds')} "
            f"of {report.store_url}",
            markup=False,
        )
        for organisation, head in report.ledger.items():
            console.print(
                f"  {organisation}: ledger signed at event {head['seq']} "
                f"(head hash {head['hash'][:16]})",
                markup=False,
            )
        for name, described in report.files.items():
            console.print(
                f"  {Path(report.folder) / name}  {described['bytes']:,} bytes  "
                f"sha256 {described['sha256'][:16]}",
                markup=False,
            )
        console.print(
            "keep keys/ apart from data/; the master key is not in the backup", markup=False
        )

    emit(asdict(report), as_json=as_json, render=render)


def restore(
    source: Annotated[
        Path, typer.Option("--from", help="The folder `hippocratic backup --out` wrote.")
    ],
    db: DbOption = None,
    keys: KeysOption = None,
    keys_too: Annotated[
        bool,
        typer.Option(
            "--keys-too",
            help="Also restore the key store from the backup (default: keep the live one).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a store that is there (stop the server first)."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Restore a backup; every patient erased since it was taken is erased again before the
    store opens, and the ledger records the rollback (signed) so `audit verify` explains it.

    Refuses a backup whose files do not match their manifest (exit 4), and a target that holds
    a store without --force.
    """
    wants_json(as_json)
    report = restore_service.restore(source, db, keys, keys_too=keys_too, force=force)

    def render() -> None:
        console.print(
            f"restored {report.store_url} from backup {report.backup_id} taken "
            f"{report.taken_at.isoformat(timespec='seconds')}"
            + (" (key store restored too)" if report.keys_restored else ""),
            markup=False,
        )
        again = report.erased_again
        console.print(
            f"{again} subject{'s' if again != 1 else ''} erased since then "
            f"{'were' if again != 1 else 'was'} erased again",
            markup=False,
        )
        if not report.live_register:
            console.print(
                "no live key store was there: only erasures the key-store backup knew of "
                "could be replayed",
                markup=False,
            )
        for item in report.organisations:
            console.print(
                f"  {item.organisation}: ledger restored to event {item.restored_to}, "
                f"{item.lost_events} witnessed event(s) after it lost; restore recorded, "
                f"head signed at event {item.head}; {item.erased_since_backup} erased again "
                f"({item.held_again} held data in the backup, {item.keys_destroyed} keys "
                f"destroyed again); {item.deleted_again} record(s) that retention or a partial "
                f"erasure deleted were deleted again, {item.anonymised_again} anonymised again",
                markup=False,
            )
        for result in report.verification:
            verdict = "ok" if result["ok"] else "FAILS"
            console.print(
                f"audit verify: {verdict}  {result['organisation']}: {result['events']} events"
                + (f"; {result['problem']}" if result["problem"] else ""),
                markup=False,
            )
            for rollback in result["rollbacks"]:
                console.print(f"    {rollback}", markup=False)

    data = asdict(report)
    data["erased_again"] = report.erased_again
    data["verified"] = report.verified
    emit(data, as_json=as_json, render=render)

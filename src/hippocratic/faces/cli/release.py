"""``hippocratic release``: de-identified extracts and protected aggregate tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import Progress

from hippocratic.domain.release.disclosure import protect_row
from hippocratic.domain.release.release import anonymise as anonymise_frame
from hippocratic.domain.release.spec import load_spec
from hippocratic.errors import InputError
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, KeysOption, Org, dpo_actor, opened
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.data_opt_out import DataOptOuts
from hippocratic.services.identifying_fields import classified_fields
from hippocratic.services.store_release import StoreReleases

app = typer.Typer(
    help="De-identified releases: anonymised extracts, protected counts.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]
OverrideFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--override-identifier",
        help="Release this recognised direct identifier anyway (DPO only; repeatable).",
    ),
]
ReasonFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--reason",
        help="Why (one per --override-identifier, in order, or one for all); recorded.",
    ),
]


def override_reasons(columns: list[str] | None, reasons: list[str] | None) -> dict[str, str]:
    """Pair each ``--override-identifier`` with its ``--reason``."""
    columns, reasons = columns or [], reasons or []
    if not columns:
        if reasons:
            raise InputError("--reason is given without --override-identifier", field="reason")
        return {}
    if len(reasons) == 1:
        reasons = reasons * len(columns)
    if len(reasons) != len(columns) or any(not r.strip() for r in reasons):
        raise InputError(
            "each --override-identifier needs a --reason",
            field="reason",
            hint="say why releasing the column is lawful and safe; the report records it",
        )
    return dict(zip(columns, reasons, strict=True))


def _read(path: Path, separator: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}", field="data") from None


@app.command("anonymise")
def anonymise(
    data: Annotated[Path, typer.Argument(help="The extract to de-identify (CSV).")],
    spec: Annotated[Path, typer.Option("--spec", help="Release spec (docs/releases.md).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the released CSV.")],
    report: Annotated[Path, typer.Option("--report", help="Where to write the report (JSON).")],
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Release key (32+ random bytes, hex) for pseudonyms."),
    ] = None,
    separator: Annotated[str, typer.Option("--sep", help="Column separator of DATA.")] = ",",
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="The organisation's policy: its identifying fields are refused too."
        ),
    ] = None,
    override: OverrideFlag = None,
    reason: ReasonFlag = None,
    dpo: Annotated[
        str | None,
        typer.Option("--dpo", help="The DPO who overrides (recorded in the report)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Generalise quasi-identifiers until the spec's k and l hold within the suppression
    budget, with the least information loss; remove or pseudonymise direct identifiers.
    A direct identifier left in (by name, by the policy, or by content) is refused unless the
    DPO overrides it with a reason. Writes nothing unless the whole release succeeds."""
    wants_json(as_json)
    the_spec = load_spec(spec)
    overrides = override_reasons(override, reason)
    if overrides and not (dpo or "").strip():
        raise InputError(
            "an override needs the DPO who gives it",
            field="dpo",
            hint="add --dpo NAME: the report records who let the identifier through",
        )
    classified = classified_fields(load_sound_policy(policy)) if policy is not None else []
    frame = _read(data, separator)
    key = None
    if key_file is not None:
        try:
            key = bytes.fromhex(key_file.read_text().strip())
        except (OSError, ValueError):
            raise InputError(
                f"{key_file} does not hold a hex release key", field="key-file"
            ) from None
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("searching the generalisation lattice", total=None)
        release = anonymise_frame(
            frame,
            the_spec,
            key,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            classified=classified,
            overrides=overrides,
            overridden_by=dpo.strip() if dpo else None,
        )
    release.table.to_csv(out, index=False)
    report.write_text(release.report.model_dump_json(indent=2), encoding="utf-8")
    summary = release.report

    def show() -> None:
        console.print(
            f"released {summary.rows_out} of {summary.rows_in} rows to {out}: k = "
            f"{summary.achieved_k}"
            + (f", l = {summary.achieved_l}" if summary.achieved_l is not None else "")
            + f", {summary.rows_suppressed} suppressed, information loss "
            f"{summary.information_loss:.3f}; report in {report}",
        )
        for let in summary.identifier_overrides:
            console.print(
                f"released {let.column} ({let.kind}, recognised by {let.recognised_by}) on "
                f"{let.by}'s override: {let.reason}"
            )

    emit(summary, as_json=as_json, render=show)


@app.command("aggregate")
def aggregate(
    data: Annotated[Path, typer.Argument(help="Rows to count (CSV).")],
    by: Annotated[list[str], typer.Option("--by", help="Group rows by this column (repeatable).")],
    across: Annotated[str, typer.Option("--across", help="Column whose values become cells.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the table as CSV.")] = None,
    separator: Annotated[str, typer.Option("--sep", help="Column separator of DATA.")] = ",",
    as_json: JsonFlag = False,
) -> None:
    """Counts for a report under NHS disclosure control: 1-7 shown as *, others rounded to 5,
    totals from unrounded counts, secondary suppression where a total would reveal a cell."""
    wants_json(as_json)
    frame = _read(data, separator)
    missing = [c for c in [*by, across] if c not in frame.columns]
    if missing:
        raise InputError(
            f"no such columns: {missing}",
            field="by",
            hint=f"columns present: {list(frame.columns)}",
        )
    counts = frame.groupby([*by, across]).size().unstack(fill_value=0)
    rows = []
    for group, values in counts.iterrows():
        protected = protect_row({str(k): int(v) for k, v in values.items()})
        labels = group if isinstance(group, tuple) else (group,)
        rows.append(
            {
                **dict(zip(by, map(str, labels), strict=True)),
                **protected.cells,
                "total": protected.total,
            }
        )
    table = pd.DataFrame(rows)
    if out is not None:
        table.to_csv(out, index=False)
    emit(
        rows,
        as_json=as_json,
        render=lambda: console.print(table.to_string(index=False), markup=False),
    )


Recipient = Annotated[
    str,
    typer.Option(
        "--recipient", help="Who receives the release: its pseudonyms are keyed to this id."
    ),
]


@app.command("from-store")
def from_store(
    organisation: Org,
    recipient: Recipient,
    purpose: Annotated[
        str,
        typer.Option("--purpose", help="The policy purpose the patients' fields are read for."),
    ],
    spec: Annotated[Path, typer.Option("--spec", help="Release spec (docs/releases.md).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the released CSV.")],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Where to write the report (default OUT.report.json)."),
    ] = None,
    override: OverrideFlag = None,
    reason: ReasonFlag = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Release patients' fields from the store, as the DPO: read through the guard for PURPOSE
    (every patient read audited), de-identified by the spec, the patient pseudonymised with a
    key of this recipient's own, so two recipients cannot link their extracts. Writes nothing
    unless the whole release succeeds."""
    wants_json(as_json)
    the_spec = load_spec(spec)
    overrides = override_reasons(override, reason)
    with opened(db, keys) as store:
        made = StoreReleases(store, dpo_actor(store, organisation)).release(
            recipient, purpose, the_spec, overrides
        )
    report_path = report or out.with_name(out.name + ".report.json")
    made.table.to_csv(out, index=False)
    report_path.write_text(made.report.model_dump_json(indent=2), encoding="utf-8")
    summary = {
        "recipient": made.recipient,
        "purpose": made.purpose,
        "release_id": made.release_id,
        "patients_read": made.patients_read,
        "erased_left_out": made.erased_left_out,
        "opted_out_left_out": made.opted_out_left_out,
        "out": str(out),
        "report": str(report_path),
        **made.report.model_dump(),
    }

    def show() -> None:
        console.print(
            f"released {made.report.rows_out} of {made.patients_read} patients to "
            f"{made.recipient} ({out}): k = {made.report.achieved_k}, "
            f"{made.report.rows_suppressed} suppressed, {made.erased_left_out} erased left out, "
            f"{made.opted_out_left_out} left out under the national data opt-out; every read "
            f"is in the audit ledger and the release in the disclosure log as {made.release_id}; "
            f"report in {report_path}"
        )
        for let in made.report.identifier_overrides:
            console.print(f"released {let.column} ({let.kind}) on override: {let.reason}")

    emit(summary, as_json=as_json, render=show)


@app.command("opt-out")
def opt_out(
    organisation: Org,
    subject: Annotated[str, typer.Argument(help="The patient's internal id.")],
    source: Annotated[
        str, typer.Option("--source", help="How it is known, e.g. 'NHS spine check 2026-12-01'.")
    ],
    withdrawn: Annotated[
        bool,
        typer.Option(
            "--withdrawn", help="Record that the patient has not (or no longer) opted out."
        ),
    ] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record, as the DPO, whether a patient has registered the NHS national data opt-out
    (L-14): releases for a purpose marked national_data_opt_out leave them out. Audited."""
    wants_json(as_json)
    with opened(db, keys) as store:
        made = DataOptOuts(store, dpo_actor(store, organisation)).record(
            subject, not withdrawn, source
        )
    state = "opted out" if made.opted_out else "not opted out"
    emit(
        {"subject": made.subject_id, "opted_out": made.opted_out, "source": made.source},
        as_json=as_json,
        render=lambda: console.print(f"patient {made.subject_id}: {state} ({made.source})"),
    )


@app.command("reidentify")
def reidentify(
    organisation: Org,
    recipient: Recipient,
    pseudonym: Annotated[str, typer.Option("--pseudonym", help="The pseudonym to reverse.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the audit ledger).")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The DPO turns one recipient's pseudonym back into the patient's internal id, with a
    reason; the attempt, found or not, is an audit event."""
    wants_json(as_json)
    with opened(db, keys) as store:
        subject = StoreReleases(store, dpo_actor(store, organisation)).reidentify(
            recipient, pseudonym, reason
        )
    emit(
        {"recipient": recipient, "pseudonym": pseudonym, "subject": subject},
        as_json=as_json,
        render=lambda: console.print(f"{pseudonym} for {recipient} is patient {subject}"),
    )

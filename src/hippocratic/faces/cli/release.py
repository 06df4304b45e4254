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
from hippocratic.faces.cli.output import console, emit

app = typer.Typer(
    help="De-identified releases: anonymised extracts, protected counts.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


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
    as_json: JsonFlag = False,
) -> None:
    """Generalise quasi-identifiers until the spec's k and l hold within the suppression
    budget, with the least information loss; remove or pseudonymise direct identifiers.
    Writes nothing unless the whole release succeeds."""
    the_spec = load_spec(spec)
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
            markup=False,
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

"""``hippocratic notice`` and ``hippocratic ropa``: what patients and the regulator read."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.policy.jit_notice import build_jit_notice, render_jit_notice
from hippocratic.policy.notice import build_notice, render_notice
from hippocratic.policy.ropa import build_ropa, render_ropa
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import notices

app = typer.Typer(help="Render, publish and list privacy notices.", no_args_is_help=True)

PolicyFile = Annotated[Path, typer.Argument(help="The organisation's policy YAML file.")]
ArchiveDir = Annotated[
    Path, typer.Option("--archive", help="Where published notice versions are kept.")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")]


class NoticeFormat(StrEnum):
    md = "md"
    html = "html"


class RopaFormat(StrEnum):
    md = "md"
    csv = "csv"


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", markup=False)


@app.command("render")
def render(
    file: PolicyFile,
    fmt: Annotated[NoticeFormat, typer.Option("--format", help="md or html.")] = NoticeFormat.md,
    form: Annotated[
        str | None, typer.Option("--form", help="Render the just-in-time notice of this form.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Render the full privacy notice, or with --form the just-in-time notice of one form.

    The policy must pass `hippocratic policy check` first. --json prints the structured content
    behind the notice (the JSON twin of the web page) instead of the rendered text.
    """
    wants_json(as_json)
    policy = load_sound_policy(file)
    if as_json:
        view = build_notice(policy) if form is None else build_jit_notice(policy, form)
        emit(view, as_json=True, render=lambda: None)
        return
    text = (
        render_notice(policy, fmt.value)
        if form is None
        else render_jit_notice(policy, form, fmt.value)
    )
    _write(text, out)


@app.command("publish")
def publish(
    file: PolicyFile, archive: ArchiveDir = notices.DEFAULT_ARCHIVE, as_json: JsonFlag = False
) -> None:
    """Keep the policy's notice as the version it names; earlier versions stay retrievable.

    Publishing unchanged content again does nothing; changed content under the same version
    is refused: give it a new version in the policy file.
    """
    wants_json(as_json)
    record, new = notices.publish(load_sound_policy(file), archive)
    emit(
        {"record": record, "new": new},
        as_json=as_json,
        render=lambda: console.print(
            f"{'published' if new else 'already published'}: {record.organisation} notice "
            f"version {record.version}, effective {record.effective_date}, sha256 {record.sha256}",
            markup=False,
        ),
    )


@app.command("history")
def history(
    organisation: Annotated[str, typer.Argument(help="Organisation key, e.g. harmonic.")],
    archive: ArchiveDir = notices.DEFAULT_ARCHIVE,
    as_json: JsonFlag = False,
) -> None:
    """List every published version of an organisation's notice, oldest first."""
    wants_json(as_json)
    records = notices.history(organisation, archive)

    def show() -> None:
        table = Table("version", "effective", "published", "sha256")
        for record in records:
            table.add_row(
                record.version,
                record.effective_date.isoformat(),
                record.published_at.isoformat(timespec="seconds"),
                record.sha256[:16],
            )
        console.print(table)

    emit(records, as_json=as_json, render=show)


def ropa(
    file: PolicyFile,
    fmt: Annotated[RopaFormat, typer.Option("--format", help="md or csv.")] = RopaFormat.md,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the record of processing activities (UK GDPR Art. 30(1)(a)-(g), with Art. 9).

    One entry per purpose. The policy must pass `hippocratic policy check` first; --json prints
    the entries in the JSON envelope.
    """
    wants_json(as_json)
    policy = load_sound_policy(file)
    if as_json:
        emit(build_ropa(policy), as_json=True, render=lambda: None)
        return
    _write(render_ropa(policy, fmt.value), out)

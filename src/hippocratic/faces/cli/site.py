"""``hippocratic site``: the clinic's public website as a visitor's browser sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.cookie_consent import delete_expired_receipts
from hippocratic.services.site_audit import CHROMIUM, AuditReport, audit_site
from hippocratic.services.store import open_store

app = typer.Typer(help="The public website: its cookie banner and tags.", no_args_is_help=True)


@app.command("audit")
def audit(
    url: Annotated[str, typer.Argument(metavar="URL", help="A page of the website.")],
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Judge against this policy file's cookie register (default: the register "
            "the page's banner publishes).",
        ),
    ] = None,
    chromium: Annotated[
        str, typer.Option(help="The Chromium to drive (Debian's by default).")
    ] = CHROMIUM,
    gpc: Annotated[
        bool, typer.Option("--gpc", help="Browse with Global Privacy Control on.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Load the page in headless Chromium and report every cookie and request before and after
    each choice (first visit, reject all, accept analytics only, accept all, each
    health-sensitive page it links to, withdrawal) against the cookie register. Exits 1 on any
    finding: a cookie not in the register, a non-essential cookie or vendor request without
    consent, a tag on a health-sensitive page, or a health-revealing address sent to a vendor."""
    wants_json(as_json)
    policy = load_sound_policy(policy_file) if policy_file else None
    report = audit_site(url, policy=policy, chromium=chromium, gpc=gpc)
    emit(report, as_json=as_json, render=lambda: _render(report))
    if not report.ok:
        raise typer.Exit(1)


def _render(report: AuditReport) -> None:
    console.print(
        f"Site audit of {report.url} ({report.organisation or 'no banner'})", markup=False
    )
    table = Table("step", "page", "cookies", "vendor requests", "findings")
    for step in report.steps:
        table.add_row(
            step.step,
            step.page,
            ", ".join(sorted({c.name for c in step.cookies})) or "none",
            str(len(step.vendor_requests)),
            str(len(step.findings)),
        )
    console.print(table)
    for finding in report.findings:
        text = escape(f"{finding.step}: {finding.code}: {finding.message}")
        console.print(f"[red]✗[/] {text}", markup=True)
    if report.ok:
        console.print("No findings: nothing optional ran without consent.")


@app.command("tidy")
def tidy(db: DbOption = None, keys: KeysOption = None, as_json: JsonFlag = False) -> None:
    """For cron: delete every cookie-consent receipt older than the policy's
    cookies.consent_record_retention (default 6 months), one statement per organisation."""
    wants_json(as_json)
    store = open_store(db, keys)
    try:
        deleted = delete_expired_receipts(store)
    finally:
        store.dispose()

    def show() -> None:
        for organisation, count in deleted.items():
            console.print(f"{organisation}: {count} expired receipt(s) deleted", markup=False)

    emit(deleted, as_json=as_json, render=show)

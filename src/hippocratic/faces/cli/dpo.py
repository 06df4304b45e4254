"""``hippocratic dpo``: the DPO's evidence pack on the command line, as the JSON envelope or a
summary for a person, and written to a file (a readable HTML page, or JSON) to keep or hand to
an auditor. The command acts as the organisation's DPO role, and the look is audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hippocratic.errors import IntegrityFailure
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, Org, dpo_actor, opened
from hippocratic.faces.envelope import success
from hippocratic.services.evidence_pack import EvidencePack, EvidencePacks

app = typer.Typer(help="The Data Protection Officer's evidence.", no_args_is_help=True)
Out = Annotated[
    Path | None,
    typer.Option("--out", help="Write the pack here: HTML, or JSON with --json or a .json name."),
]
TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


def page(pack: EvidencePack) -> str:
    """The pack as a standalone HTML page (no script, no external resource)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    return env.get_template("evidence_pack.html").render(data=pack)


def _summary(pack: EvidencePack) -> list[str]:
    a = pack.audit
    chain = (
        f"verified to event {a.verified_to}"
        if a.verified
        else f"BROKEN at event {a.first_bad_seq}: {a.problem}"
    )
    checkpoint = (
        f"event {a.last_checkpoint_seq}, signed {a.last_checkpoint_at:%Y-%m-%d %H:%M}"
        if a.last_checkpoint_seq and a.last_checkpoint_at
        else "none yet"
    )
    lapsed = [p for p in pack.processors if p.lapsed]
    missing = [d for d in pack.dpias if not d.dpia]
    return [
        f"evidence pack: {pack.organisation_name} at {pack.made_at:%Y-%m-%d %H:%M} UTC",
        f"audit chain: {chain}; latest checkpoint {checkpoint}; witnessed to {a.witnessed_to}",
        f"rights requests: {pack.rights.open} open, {pack.rights.overdue} overdue, "
        f"{pack.rights.due_within_week} due within a week",
        f"incidents: {len(pack.incidents)} recorded, "
        f"{sum(1 for i in pack.incidents if i.decision is None)} without a decision, "
        f"{sum(1 for i in pack.incidents if i.overdue)} overdue",
        f"disclosures logged: {pack.disclosures.total}",
        f"Art. 19 notices: {pack.art19.pending} pending, {pack.art19.sent} sent",
        f"processors: {len(pack.processors)}, {len(lapsed)} may receive nothing today"
        + "".join(f"\n  {p.name}: {p.lapsed}" for p in lapsed),
        f"high-risk purposes: {len(pack.dpias)}, {len(missing)} without a DPIA reference",
        f"break-glass uses to review: {pack.reviews.break_glass_pending}; "
        f"Art. 14 notices overdue: {pack.reviews.art14_overdue}",
    ]


@app.command("evidence")
def evidence(
    organisation: Org,
    out: Out = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The evidence pack: for each promise area, the counts and latest dates the store holds.
    Exits 4 if the audit chain did not verify (the pack is still shown and written)."""
    wants_json(as_json)
    with opened(db, keys) as store:
        pack = EvidencePacks(store, dpo_actor(store, organisation)).pack()
    if out is not None:
        if as_json or out.suffix == ".json":
            out.write_text(json.dumps(success(pack), indent=2, ensure_ascii=False) + "\n")
        else:
            out.write_text(page(pack), encoding="utf-8")

    def show() -> None:
        for line in _summary(pack):
            console.print(line, markup=False)
        if out is not None:
            console.print(f"wrote {out}", markup=False)

    emit(pack, as_json=as_json, render=show)
    if not pack.audit.verified:
        raise typer.Exit(IntegrityFailure.exit_code)

"""``hippocratic retention``: when a record may be disposed of, under which rule; the sweep
that disposes of what is due (``run``), what falls due in the coming months (``forecast``),
legal holds (``hold``), reviews at expiry (``review``) and the dates retention runs from
(``facts``). ``hippocratic jobs run`` is the daily job for cron or a systemd timer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hippocratic.domain.calendar import long_date
from hippocratic.domain.retention_schedule import RecordFacts, disposal
from hippocratic.errors import InputError
from hippocratic.faces.cli.arguments import parse_date, parse_optional_date
from hippocratic.faces.cli.output import console, emit, wants_json
from hippocratic.faces.cli.store import DbOption, JsonFlag, KeysOption, Org, dpo_actor, opened
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import access_log
from hippocratic.services.retention_desk import RetentionDesk
from hippocratic.services.retention_forecast import forecast as forecast_of
from hippocratic.services.retention_forecast import plot
from hippocratic.services.retention_jobs import catch_up, store_today
from hippocratic.services.retention_report import RunReport
from hippocratic.services.retention_sweep import RetentionSweep

app = typer.Typer(help="Retention: disposal dates under the policy's rules.", no_args_is_help=True)
hold_app = typer.Typer(help="Legal holds: nothing they cover is disposed of.", no_args_is_help=True)
review_app = typer.Typer(help="Reviews at expiry, for the DPO to sign off.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs (for cron or a systemd timer).", no_args_is_help=True)
app.add_typer(hold_app, name="hold")
app.add_typer(review_app, name="review")


@app.command("end")
def end(
    policy_file: Annotated[Path, typer.Argument(metavar="POLICY", help="The policy YAML file.")],
    record_type: Annotated[str, typer.Argument(help="A retention rule key or record type.")],
    born: Annotated[str | None, typer.Option(help="Date of birth.")] = None,
    last_seen: Annotated[str | None, typer.Option(help="Last attended appointment.")] = None,
    end_of_treatment: Annotated[
        str | None,
        typer.Option(help="End of treatment; if --last-seen is later, care ended then."),
    ] = None,
    died: Annotated[str | None, typer.Option(help="Date of death.")] = None,
    collected: Annotated[
        str | None, typer.Option(help="Date the data was collected or the record made.")
    ] = None,
    last_interaction: Annotated[
        str | None, typer.Option(help="Last contact, or closure of a complaint.")
    ] = None,
    opted_out: Annotated[str | None, typer.Option(help="Date of opt-out.")] = None,
    financial_year_end: Annotated[
        str | None,
        typer.Option(
            help="End of the company's financial year the record belongs to; without it, the "
            "end of the year --collected falls in by the policy's financial_year_end, else the "
            "latest possible (--collected + 12 months), assumed and not verified."
        ),
    ] = None,
    reused: Annotated[
        list[str] | None,
        typer.Option(help="Last day of a later period of use of the record (repeatable)."),
    ] = None,
    hold: Annotated[bool, typer.Option("--hold", help="A legal hold is in place.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON envelope.")] = False,
) -> None:
    """Print the earliest disposal date, the action at expiry, the rule and its source."""
    wants_json(as_json)
    policy = load_sound_policy(policy_file)
    rule = policy.retention_by_key.get(record_type) or next(
        (r for r in policy.retention if r.record_type == record_type), None
    )
    if rule is None:
        known = sorted(
            {r.key for r in policy.retention} | {r.record_type for r in policy.retention}
        )
        raise InputError(
            f"{policy.organisation.key} has no retention rule for `{record_type}`",
            field="record_type",
            hint=f"one of: {', '.join(known)}",
        )
    collected_on = parse_optional_date(collected, "collected")
    year_end = policy.organisation.year_end
    facts = RecordFacts(
        born=parse_optional_date(born, "born"),
        last_seen=parse_optional_date(last_seen, "last-seen"),
        end_of_treatment=parse_optional_date(end_of_treatment, "end-of-treatment"),
        died=parse_optional_date(died, "died"),
        collected=collected_on,
        last_interaction=parse_optional_date(last_interaction, "last-interaction"),
        opted_out=parse_optional_date(opted_out, "opted-out"),
        financial_year_end=parse_optional_date(financial_year_end, "financial-year-end")
        or (year_end.ending(collected_on) if year_end and collected_on else None),
        reused=[parse_date(value, "reused") for value in reused or []],
        held=hold,
    )
    result = disposal(rule, facts)

    def show() -> None:
        when = long_date(result.disposal_date) if result.disposal_date else result.state.value
        console.print(
            f"[bold]{escape(f'{rule.title}: {when}, then {result.action}')}[/]", markup=True
        )
        for step in result.steps:
            console.print(f"  → {step}", markup=False)
        if result.assumptions:
            verified = "not verified: a date was assumed"
        elif result.source_verified:
            verified = "verified"
        else:
            verified = "not verified in a primary text"
        console.print(f"  rule {result.rule}: {result.citation}", markup=False)
        source = result.legal_source
        if source is not None:
            console.print(f"  source: {source.citation} ({verified})", markup=False, style="dim")

    emit(result, as_json=as_json, render=show)


def _show_run(report: RunReport) -> None:
    kind = "dry run (nothing changed)" if report.dry_run else "run"
    console.print(f"[bold]retention {kind} {report.run_id} as of {report.as_of}[/]")
    shown = {key: n for key, n in sorted(report.counts.items()) if n}
    for key, n in shown.items():
        console.print(f"  {key:<55} {n:>8}", markup=False)
    if not shown:
        console.print("  nothing due", markup=False)
    if report.shredded:
        console.print(f"  keys destroyed (crypto-shredding): {report.shredded}", markup=False)
    if report.unverified:
        console.print(
            f"  rules whose source is not verified: {', '.join(report.unverified)}",
            markup=False,
            style="yellow",
        )


@app.command("run")
def run(
    organisation: Org,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only; change nothing.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day to sweep as of.")] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Dispose of everything due on the day (default today): delete, anonymise, or open a
    review, as each rule says; holds excepted; a certificate in the audit ledger."""
    wants_json(as_json)
    with opened(db, keys) as store:
        day = parse_optional_date(as_of, "as-of") or store_today(store)
        report = RetentionSweep(store, organisation).run(day, dry_run=dry_run)
    emit(report, as_json=as_json, render=lambda: _show_run(report))


@app.command("forecast")
def forecast(
    organisation: Org,
    months: Annotated[int, typer.Option("--months", min=1, max=120, help="How many months.")] = 12,
    png: Annotated[Path | None, typer.Option("--png", help="Write the plot as PNG here.")] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the plot as SVG here.")] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """What falls due in each of the coming months, by rule, as a table and a plot."""
    wants_json(as_json)
    with opened(db, keys) as store:
        result = forecast_of(store, organisation, store_today(store), months)
    if png is not None:
        png.write_bytes(plot(result, "png"))
    if svg is not None:
        svg.write_bytes(plot(result, "svg"))

    def show() -> None:
        rules = result.rules()
        console.print(f"[bold]falling due after {result.today}: {result.organisation}[/]")
        console.print(
            "month    " + "".join(f"{r[:22]:>24}" for r in rules) + f"{'total':>8}", markup=False
        )
        for month in result.months:
            cells = "".join(f"{month.by_rule.get(r, 0):>24}" for r in rules)
            console.print(f"{month.month}  {cells}{month.total:>8}", markup=False)
        if result.unverified:
            console.print(f"not verified: {', '.join(result.unverified)}", style="yellow")

    emit(result, as_json=as_json, render=show)


@hold_app.command("add")
def hold_add(
    organisation: Org,
    subject: Annotated[str, typer.Argument(help="The patient's subject id.")],
    kind: Annotated[str, typer.Option(help="litigation, complaint, investigation, rights_request")],
    reason: Annotated[str, typer.Option(help="Why the hold is placed.")],
    owner: Annotated[str, typer.Option(help="Who answers for the hold.")],
    record_kind: Annotated[str | None, typer.Option(help="Hold one record: its kind.")] = None,
    record_id: Annotated[str | None, typer.Option(help="Hold one record: its id.")] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Place a legal hold on a patient (or one record): nothing it covers is disposed of."""
    wants_json(as_json)
    with opened(db, keys) as store:
        hold = RetentionDesk(store, dpo_actor(store, organisation)).place_hold(
            subject, kind, reason, owner, record_kind, record_id
        )
    emit(hold, as_json=as_json, render=lambda: console.print(f"hold {hold.hold_id} placed"))


@hold_app.command("lift")
def hold_lift(
    organisation: Org,
    hold_id: Annotated[str, typer.Argument(help="The hold's id.")],
    reason: Annotated[str, typer.Option(help="Why the hold is lifted.")],
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Lift a hold: what it covered is disposed of on the next run if it is due."""
    wants_json(as_json)
    with opened(db, keys) as store:
        hold = RetentionDesk(store, dpo_actor(store, organisation)).lift_hold(hold_id, reason)
    emit(hold, as_json=as_json, render=lambda: console.print(f"hold {hold.hold_id} lifted"))


@hold_app.command("list")
def hold_list(
    organisation: Org,
    all_: Annotated[bool, typer.Option("--all", help="Lifted holds too.")] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Holds in place (with --all, lifted ones too)."""
    wants_json(as_json)
    with opened(db, keys) as store:
        holds = RetentionDesk(store, dpo_actor(store, organisation)).holds(include_lifted=all_)

    def show() -> None:
        if not holds:
            console.print("no holds in place", markup=False)
        for h in holds:
            scope = f"{h.record_kind} {h.record_id}" if h.record_kind else "everything"
            state = f"lifted {h.lifted_at:%Y-%m-%d} by {h.lifted_by}" if h.lifted_at else "in place"
            console.print(
                f"{h.hold_id}  {h.subject_id}  {h.kind:<14} {scope:<20} owner "
                f"{h.owner}  {state}: {h.reason}",
                markup=False,
            )

    emit(holds, as_json=as_json, render=show)


@review_app.command("list")
def review_list(
    organisation: Org,
    all_: Annotated[bool, typer.Option("--all", help="Decided reviews too.")] = False,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Reviews waiting for the DPO, oldest due first."""
    wants_json(as_json)
    with opened(db, keys) as store:
        reviews = RetentionDesk(store, dpo_actor(store, organisation)).reviews(open_only=not all_)

    def show() -> None:
        if not reviews:
            console.print("no reviews waiting", markup=False)
        for r in reviews:
            state = r.decision or "waiting"
            console.print(
                f"{r.due}  {r.rule:<24} {r.item_kind:<14} {r.subject_id}  {state}  {r.review_id}",
                markup=False,
            )

    emit(reviews, as_json=as_json, render=show)


@review_app.command("decide")
def review_decide(
    organisation: Org,
    review_id: Annotated[str, typer.Argument(help="The review's id.")],
    decision: Annotated[str, typer.Option(help="keep or dispose")],
    reason: Annotated[str, typer.Option(help="Why.")],
    keep_until: Annotated[str | None, typer.Option(help="For keep: review again on.")] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Sign a review off: keep until a day, or dispose (done by the next run)."""
    wants_json(as_json)
    with opened(db, keys) as store:
        review = RetentionDesk(store, dpo_actor(store, organisation)).decide(
            review_id, decision, reason, parse_optional_date(keep_until, "keep-until")
        )
    emit(
        review,
        as_json=as_json,
        render=lambda: console.print(f"review {review.review_id}: {review.decision}"),
    )


@app.command("facts")
def facts(
    organisation: Org,
    subject: Annotated[str, typer.Argument(help="The patient's subject id.")],
    born: Annotated[str | None, typer.Option(help="Date of birth (kept for a child).")] = None,
    died: Annotated[str | None, typer.Option(help="Date of death.")] = None,
    end_of_treatment: Annotated[str | None, typer.Option(help="End of treatment.")] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the dates retention runs from; disposal dates follow them on the next run."""
    wants_json(as_json)
    with opened(db, keys) as store:
        RetentionDesk(store, dpo_actor(store, organisation)).record_facts(
            subject,
            born=parse_optional_date(born, "born"),
            died=parse_optional_date(died, "died"),
            end_of_treatment=parse_optional_date(end_of_treatment, "end-of-treatment"),
        )
    emit({"subject": subject}, as_json=as_json, render=lambda: console.print("recorded"))


@jobs_app.command("run")
def jobs_run(
    organisation: Org,
    db: DbOption = None,
    keys: KeysOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The daily jobs: the retention sweep for every day missed since the last run, in order,
    up to today (a missed day is caught up, never skipped), and the sign-in log's IP addresses
    past their retention deleted (S0-10). For cron or a systemd timer."""
    wants_json(as_json)
    with opened(db, keys) as store:
        access_log.purge(store, organisation)
        reports = catch_up(store, organisation, store_today(store))

    def show() -> None:
        for report in reports:
            _show_run(report)

    emit(reports, as_json=as_json, render=show)

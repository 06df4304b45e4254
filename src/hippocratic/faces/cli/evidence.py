"""``hippocratic evidence``: the auditor's trace, for each policy, from every promise of its
notice to the policy rule that states it, the code that keeps it and the tests that prove it
(their tags, and how they did in the last recorded run), with the security controls mapped to
ISO/IEC 27001:2022 Annex A and ISO/IEC 27701. Written as HTML and CSV, one folder per
organisation. Run it from a checkout, after ``make test`` (which records its run in
``build/test-results.xml``). It exits 1, naming each one, if any promise has no test, a failing
test, or tests that did not run: the evidence must never be quietly incomplete."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hippocratic.domain.clock import SystemClock
from hippocratic.faces.cli.arguments import parse_optional_date
from hippocratic.faces.cli.output import console, emit, error_console, wants_json
from hippocratic.faces.cli.store import JsonFlag
from hippocratic.policy.promise_register import load_register, register_path
from hippocratic.services.promise_tests import read_run, tagged_tests
from hippocratic.services.promise_trace import PolicyEvidence, Proof, trace_policy, unknown_tags

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
RESULTS = Path("build/test-results.xml")


def evidence(
    policy: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy",
            help="A policy file, its register in promises/ beside it (repeatable; "
            "default: every policy in policies/).",
        ),
    ] = None,
    tests: Annotated[Path, typer.Option("--tests", help="The test suite's folder.")] = Path(
        "tests"
    ),
    results: Annotated[
        Path | None,
        typer.Option(
            "--results", help=f"The JUnit XML report of the last run (default {RESULTS} if there)."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write each organisation's folder.")
    ] = Path("build/evidence"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day to judge control reviews on.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Trace every promise to its policy rule, code and tests; write HTML and CSV. Exits 1
    if a promise is untested, failing or not run, or a tag names an unknown promise."""
    wants_json(as_json)
    day = parse_optional_date(as_of, "as_of") or SystemClock().now().date()
    files = policy or sorted(Path("policies").glob("*.yaml"))
    root = tests.resolve().parent
    tagged = tagged_tests(tests.resolve(), root)
    report = results if results is not None else (RESULTS if RESULTS.is_file() else None)
    run = read_run(report, tagged) if report is not None else None
    packs = [trace_policy(file, tagged, run, day) for file in files]
    stray = unknown_tags(tagged, [load_register(register_path(file)) for file in files])
    written = [_write(pack, out) for pack in packs]

    def show() -> None:
        for pack, folder in zip(packs, written, strict=True):
            counts = ", ".join(f"{pack.count(p)} {p}" for p in Proof if pack.count(p))
            console.print(
                f"{pack.organisation}: {len(pack.promises)} promises ({counts}); "
                f"{len(pack.controls)} controls; wrote {folder}",
                markup=False,
            )
        if run is None:
            console.print("no test run read: run `make test` first for outcomes", markup=False)

    emit({"policies": packs, "unknown_tags": stray}, as_json=as_json, render=show)
    gaps = [(pack.organisation, p.id, p.proof) for pack in packs for p in pack.gaps]
    problems = [problem for pack in packs for problem in pack.problems] + stray
    for organisation, promise, proof in gaps:
        error_console.print(f"{organisation}: {promise} is {proof}", markup=False)
    for problem in problems:
        error_console.print(problem, markup=False)
    if gaps or problems:
        raise typer.Exit(1)


def _write(pack: PolicyEvidence, out: Path) -> Path:
    folder = out / pack.organisation
    folder.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    counts = [(p.value, pack.count(p)) for p in Proof if pack.count(p)]
    html = env.get_template("promise_evidence.html").render(data=pack, counts=counts)
    (folder / "evidence.html").write_text(html, encoding="utf-8")
    with (folder / "promises.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["promise", "proof", "quote", "law", "policy_rules", "code", "tests",
             "runs_passed", "runs_failed", "runs_skipped"]
        )  # fmt: skip
        for p in pack.promises:
            writer.writerow(
                [p.id, p.proof.value, p.quote, p.law,
                 "; ".join(f"line {s.line} {s.path}" for s in p.statements),
                 "; ".join(p.code), "; ".join(t.node for t in p.tests),
                 sum(t.passed for t in p.tests), sum(t.failed for t in p.tests),
                 sum(t.skipped for t in p.tests)]
            )  # fmt: skip
    with (folder / "controls.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["control", "title", "kind", "iso27001_annex_a", "iso27701", "owner",
             "last_reviewed", "next_review", "review_overdue", "promises", "code", "tests",
             "proof"]
        )  # fmt: skip
        for c in pack.controls:
            writer.writerow(
                [c.key, c.title, c.kind, c.annex_a, "; ".join(c.iso27701), c.owner,
                 _day(c.last_reviewed), _day(c.next_review), c.review_overdue,
                 "; ".join(c.promises), "; ".join(c.code), c.tests, c.proof.value]
            )  # fmt: skip
    return folder


def _day(day: date) -> str:
    return day.isoformat()

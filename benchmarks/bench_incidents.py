"""Breach scoping at size: who an incident reached, over an audit ledger of 10,000,000 events
on PostgreSQL (aim: under 5 s), with the ledger's indexes, and the query plan of each scope.

The events are generated inside the database (``INSERT ... SELECT`` over ``generate_series``,
a million rows a transaction): a year of reads and writes by 60 members of staff over 200,000
patients, with denied accesses, oversight work and a second organisation's events mixed in,
and 100,000 disclosures to five recipients. The hash chain is not computed: breach scoping
reads no hash and never walks the chain, so each event's ``prev_hash`` and ``hash`` are
placeholders (``audit verify`` over this ledger would fail at the first event, as it should).
``BENCH_INCIDENTS_EVENTS`` changes the size.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects import postgresql

from benchmarks.bench_api import _postgres_database
from hippocratic.domain.clock import FixedClock
from hippocratic.services.affected_patients import SOURCES, LedgerSource, Scope, affected
from hippocratic.services.store import init_store

POLICY = Path(__file__).resolve().parent.parent / "policies" / "harmonic-medical-sonography.yaml"
ORG = "harmonic"
OTHER = "harmony"
START = datetime(2025, 12, 7, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
PATIENTS = 200_000
STAFF = 60
CHUNK = 1_000_000
SECONDS = int((NOW - START).total_seconds())

# One generated event per g, each column drawn from its own hash of g (``hashint8extended``
# with a seed per column), so actor, patient, purpose and time are independent: one in ten
# is the other organisation's, time spread evenly over the year with a random microsecond,
# one in ten oversight or security work, one in thirty denied.
EVENTS = text(
    """
    INSERT INTO audit_event (organisation_id, seq, at, actor, role, purpose, subject_id,
        action, outcome, fields, categories, rule_ids, request_id, reason, prev_hash, hash)
    SELECT
        CASE WHEN r1 % 10 = 0 THEN :other ELSE :org END,
        g + :base,
        to_char(((:start)::timestamptz
                 + make_interval(secs => floor(g::float8 * :span / :total))
                 + make_interval(secs => (r8 % 1000000) / 1e6))
                AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
        'staff' || (r2 % :staff),
        CASE WHEN r2 % :staff < 10 THEN 'reception' ELSE 'sonographer' END,
        CASE WHEN r3 % 20 = 0 THEN 'oversight' WHEN r3 % 20 = 1 THEN 'security'
             WHEN r3 % 3 = 0 THEN 'administration' ELSE 'clinical_care' END,
        'p-' || lpad((r4 % :patients)::text, 8, '0'),
        CASE WHEN r5 % 4 = 0 THEN 'write' ELSE 'read' END,
        CASE WHEN r6 % 30 = 0 THEN 'denied' ELSE 'allowed' END,
        '["full_name","date_of_birth"]',
        CASE WHEN r7 % 3 = 0 THEN '["identity","contact"]' ELSE '["identity","scan_record"]' END,
        '["rule:bench"]', NULL, NULL, '\\x00'::bytea, '\\x00'::bytea
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
        LATERAL (SELECT
            hashint8extended(g, 1) & 9223372036854775807 AS r1,
            hashint8extended(g, 2) & 9223372036854775807 AS r2,
            hashint8extended(g, 3) & 9223372036854775807 AS r3,
            hashint8extended(g, 4) & 9223372036854775807 AS r4,
            hashint8extended(g, 5) & 9223372036854775807 AS r5,
            hashint8extended(g, 6) & 9223372036854775807 AS r6,
            hashint8extended(g, 7) & 9223372036854775807 AS r7,
            hashint8extended(g, 8) & 9223372036854775807 AS r8) AS r
    """
)
SUBJECTS = text(
    """
    INSERT INTO subject (organisation_id, subject_id, created_at, restricted)
    SELECT :org, 'p-' || lpad(g::text, 8, '0'), :start, false
    FROM generate_series(0, :patients - 1) AS g
    """
)
DISCLOSURES = text(
    """
    INSERT INTO disclosure (organisation_id, disclosure_id, subject_id, recipient, purpose,
        basis, channel, decided_by, role, at, audit_seq)
    SELECT :org, 'd-' || g, 'p-' || lpad(((g * 40503) % :patients)::text, 8, '0'),
        (ARRAY['referrers','gp_practice','insurer','courier','uni-leeds'])[1 + g % 5],
        'clinical_care', 'contract', 'secure_email', 'staff' || ((g * 31) % :staff),
        'sonographer', (:start)::timestamptz + make_interval(secs => g * 315.36), g
    FROM generate_series(CAST(1 AS bigint), 100000) AS g
    """
)
ITEMS = text(
    """
    INSERT INTO disclosure_item (organisation_id, disclosure_id, field, category)
    SELECT :org, 'd-' || g, f.field, f.category
    FROM generate_series(1, 100000) AS g,
         (VALUES ('full_name', 'identity'), ('scan_report', 'scan_record')) AS f(field, category)
    """
)


def _fill(engine: Engine, events: int) -> None:
    params: dict[str, object] = {
        "org": ORG,
        "other": OTHER,
        "start": START,
        "span": SECONDS,
        "total": events,
        "staff": STAFF,
        "patients": PATIENTS,
    }
    with engine.begin() as connection:
        params["base"] = connection.execute(text("SELECT max(seq) FROM audit_event")).scalar()
        connection.execute(SUBJECTS, params)
        connection.execute(DISCLOSURES, params)
        connection.execute(ITEMS, params)
    for first in range(1, events + 1, CHUNK):
        last = min(events, first + CHUNK - 1)
        with engine.begin() as connection:
            connection.execute(EVENTS, {**params, "first": first, "last": last})
        print(f"    {last:>12,} events", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _plan(engine: Engine, scope: Scope) -> str:
    """The ledger query's plan for ``scope`` as run: its nodes, the indexes they use, the rows
    each produced and the time the database spent."""
    if scope.recipient is not None and scope.actor is None:
        return "the ledger is not asked (it names no recipient); the disclosure log answers"
    query = LedgerSource().query(ORG, scope)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        lines = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").scalars().all()
    shown = []
    for line in lines:
        node = line.strip().removeprefix("->  ")
        if any(word in node for word in ("Scan", "Aggregate", "Sort  (", "Index Cond")):
            rows = node.split("actual time=")[-1].split("rows=")[-1].split(" ")[0]
            name = node.split("  (")[0]
            shown.append(f"{name} [{rows} rows]" if "actual" in node else name)
        elif node.startswith("Execution Time"):
            shown.append(node)
    return "; ".join(shown)


def run(url: str, events: int) -> None:
    with TemporaryDirectory() as keys:
        store = init_store(POLICY, url, Path(keys), FixedClock(NOW))
        engine = create_engine(url)
        started = time.perf_counter()
        _fill(engine, events)
        print(f"postgresql: {events:,} events filled in {time.perf_counter() - started:.0f} s")
        with engine.connect() as connection:
            size = connection.exec_driver_sql(
                "SELECT pg_size_pretty(pg_total_relation_size('audit_event'))"
            ).scalar()
        print(f"    audit_event with its indexes: {size}")
        scopes = {
            "72 hours, anyone": Scope(NOW - timedelta(hours=72), NOW),
            "72 hours, one actor": Scope(NOW - timedelta(hours=72), NOW, actor="staff17"),
            "30 days, one actor": Scope(NOW - timedelta(days=30), NOW, actor="staff17"),
            "a year, one actor": Scope(START, NOW, actor="staff17"),
            "one actor, no window": Scope(actor="staff17"),
            "30 days, one recipient": Scope(NOW - timedelta(days=30), NOW, recipient="insurer"),
        }
        for name, scope in scopes.items():
            times = []
            for _ in range(3):
                began = time.perf_counter()
                with store.sessions() as session:
                    found = affected(session, ORG, scope)
                times.append(time.perf_counter() - began)
            parts = []
            for source in SOURCES:
                began = time.perf_counter()
                with store.sessions() as session:
                    list(source.reach(session, ORG, scope))
                parts.append(f"{source.name} {time.perf_counter() - began:.2f} s")
            print(
                f"{name:<26} median {statistics.median(times):7.2f} s (max {max(times):.2f}),"
                f" {found.count:>7,} patients, {found.records:>9,} records ({', '.join(parts)})",
                flush=True,
            )
            print(f"    plan: {_plan(engine, scope)}")
        engine.dispose()
        store.dispose()


def main() -> None:
    with _postgres_database() as url:
        if url is not None:
            run(url, int(os.environ.get("BENCH_INCIDENTS_EVENTS", "10000000")))


if __name__ == "__main__":
    main()

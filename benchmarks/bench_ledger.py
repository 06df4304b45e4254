"""The audit ledger: batched append rate, and verification rate and peak memory over a
1,000,000-event SQLite ledger (targets: 20,000 appends/s, 500,000 verified/s, under 200 MB),
verified by one process and by one per core side by side.

Appends sign checkpoints on a count and on time and hand each to the standing witnesses (the
key store and the witness file, as a store has them). Baselines, side by side: the same rows
inserted with no hashing or locking (the cost of the chain on appends), single-event appends
with checkpoints on a count only (the cost of the time rule and its witness writes where it
bites most), and a bare fetch of every column (the floor for verification).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert

from benchmarks.timing import Timing, ratio
from hippocratic.services.audit import default_workers
from hippocratic.storage.database import Base, make_engine, session_factory
from hippocratic.storage.keystore import open_key_engine
from hippocratic.storage.ledger import AuditEvent, AuditEventRow, append
from hippocratic.storage.notary import Notary
from hippocratic.storage.witness import standing_witnesses

EVENTS = 1_000_000
BATCH = 20_000
RAW_BATCHES = 5
SINGLES = 2_000
VERIFY_RUNS = 3
START = datetime(2026, 1, 1, tzinfo=UTC)


def events(count: int, offset: int) -> list[AuditEvent]:
    return [
        AuditEvent(
            at=START + timedelta(seconds=offset + n),
            actor=f"user{n % 50}",
            role="sonographer",
            purpose="care",
            subject=f"subject-{(offset + n) % 5000}",
            action="read",
            outcome="allowed",
            fields=("full_name", "medical_history"),
            categories=("identity", "medical_history"),
            rule_ids=("role:sonographer/purpose:care", "care:relationship"),
            request_id=f"req-{offset + n}",
        )
        for n in range(count)
    ]


def raw_rows(count: int, offset: int) -> list[dict[str, Any]]:
    """The same rows as ``append`` writes, but with no hashing, signing or head lock."""
    return [
        {
            "organisation_id": "raw",
            "seq": offset + n + 1,
            "at": item.at.isoformat(),
            "actor": item.actor,
            "role": item.role,
            "purpose": item.purpose,
            "subject_id": item.subject,
            "action": item.action,
            "outcome": item.outcome,
            "fields": '["full_name","medical_history"]',
            "categories": '["identity","medical_history"]',
            "rule_ids": '["role:sonographer/purpose:care","care:relationship"]',
            "request_id": item.request_id,
            "reason": None,
            "prev_hash": b"\0" * 32,
            "hash": b"\0" * 32,
        }
        for n, item in enumerate(events(count, offset))
    ]


VERIFY = """
import os, resource, sys, threading, time
from hippocratic.storage.database import make_engine, snapshot
from hippocratic.storage.ledger_verify import verify

def tree_pss_mb():
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parents[int(pid)] = int(stat.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            pass
    mine, total = {os.getpid()}, 0
    for _ in range(4):
        mine |= {pid for pid, parent in parents.items() if parent in mine}
    for pid in mine:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(l.split()[1]) for l in rollup if l.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total / 1024

peak, done = [0.0], threading.Event()
def sample():
    while not done.wait(0.1):
        peak[0] = max(peak[0], tree_pss_mb())
threading.Thread(target=sample, daemon=True).start()
engine = make_engine(sys.argv[1])
with snapshot(engine) as session:
    start = time.perf_counter()
    result = verify(session, "bench", None, workers=int(sys.argv[2]))
    elapsed = time.perf_counter() - start
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()
    start = time.perf_counter()
    cursor.execute("SELECT * FROM audit_event WHERE organisation_id = 'bench' ORDER BY seq")
    while cursor.fetchmany(20000):
        pass
    fetched = time.perf_counter() - start
done.set()
print(result.ok, result.count, elapsed, fetched, peak[0])
"""


def verification(url: str, workers: int) -> tuple[Timing, Timing, float]:
    """Verify the ledger ``VERIFY_RUNS`` times in fresh processes with ``workers`` processes;
    per-event timings of verify and of a bare fetch, and the peak memory of the whole process
    tree (workers included; proportional set size, so pages the forked workers share are
    counted once; sampled every 100 ms)."""
    runs = []
    for _ in range(VERIFY_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", VERIFY, url, str(workers)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        ok, count = out[0] == "True", int(out[1])
        if not ok or count != EVENTS:
            raise SystemExit(f"verification failed: {out}")
        runs.append((float(out[2]), float(out[3]), float(out[4])))
    label = f"verify, {workers} process{'es' if workers > 1 else ''}"
    verified = Timing(label, [elapsed / EVENTS for elapsed, _, _ in runs])
    fetched = Timing("bare fetch of every column", [f / EVENTS for _, f, _ in runs])
    return verified, fetched, max(peak for _, _, peak in runs)


def singles(url: str, notary: Notary, organisation: str) -> Timing:
    """``SINGLES`` appends of one event each, one second apart by the events' clock, so the
    time rule signs (and witnesses) a checkpoint every 60 appends unless it is off."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    samples = []
    for n, item in enumerate(events(SINGLES, 0)):
        start = time.perf_counter()
        with sessions.begin() as session:
            append(session, organisation, [item], notary)
        if n >= 10:
            samples.append(time.perf_counter() - start)
    engine.dispose()
    return Timing(f"append 1 event, {organisation}", samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/ledger.db"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        signer = Ed25519PrivateKey.generate()
        key_engine = open_key_engine(f"sqlite:///{tmp}/keys.db")
        notary = Notary(signer, standing_witnesses(key_engine, Path(tmp)))
        appends: list[float] = []
        written = 0
        while written < EVENTS:
            batch = events(BATCH, written)
            start = time.perf_counter()
            with sessions.begin() as session:
                append(session, "bench", batch, notary)
            appends.append((time.perf_counter() - start) / BATCH)
            written += BATCH
        raws: list[float] = []
        for n in range(RAW_BATCHES):
            rows = raw_rows(BATCH, n * BATCH)
            start = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(insert(AuditEventRow), rows)
            raws.append((time.perf_counter() - start) / BATCH)
        engine.dispose()
        timed = singles(url, notary, "timed")
        counted = singles(
            url, Notary(signer, notary.witnesses, interval=timedelta.max), "count only"
        )
        key_engine.dispose()
        chained = Timing("append (chain + checkpoints, witnessed)", appends)
        plain = Timing("raw insert", raws)
        print(f"append, {len(appends)} batches of {BATCH:,} events (SQLite, WAL):")
        print(f"  {chained.line('us')}   = {1 / chained.median:,.0f} events/s median")
        print(f"  {plain.line('us')}   = {1 / plain.median:,.0f} events/s median")
        print(f"  chained / raw: {chained.median / plain.median:.2f}x per event (medians)")
        print(f"append one event per transaction, {SINGLES:,} times, events 1 s apart:")
        for timing in (timed, counted):
            print(f"  {timing.line('us')}")
        print(f"  {ratio(timed, counted)} (the time rule and its witness writes)")
        workers = default_workers()
        single, fetched, single_peak = verification(url, 1)
        parallel, _, parallel_peak = verification(url, workers)
        print(f"verify {EVENTS:,} events, {VERIFY_RUNS} runs each in fresh processes:")
        for timing in (single, parallel, fetched):
            print(f"  {timing.line('us')}   = {1 / timing.median:,.0f} events/s median")
        print(f"  verify, 1 process / bare fetch: {single.median / fetched.median:.2f}x (medians)")
        print(f"  {ratio(single, parallel)} (speed-up)")
        print(
            f"  peak memory (PSS) of the process tree: {single_peak:.0f} MB (1 process), "
            f"{parallel_peak:.0f} MB ({workers} processes)"
        )

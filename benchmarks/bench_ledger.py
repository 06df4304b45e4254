"""The audit ledger: batched append rate, and verification rate and peak memory over a
1,000,000-event ledger (targets: 20,000 appends/s, 500,000 verified/s, under 200 MB)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hippocratic.storage.database import Base, make_engine, session_factory
from hippocratic.storage.ledger import AuditEvent, append

EVENTS = 1_000_000
BATCH = 20_000
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


VERIFY = """
import resource, sys, time
from hippocratic.storage.database import make_engine, session_factory
from hippocratic.storage.ledger_verify import verify
engine = make_engine(sys.argv[1])
with session_factory(engine)() as session:
    start = time.perf_counter()
    result = verify(session, "bench", None)
    elapsed = time.perf_counter() - start
print(result.ok, result.count, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/ledger.db"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        signer = Ed25519PrivateKey.generate()
        rates = []
        written = 0
        while written < EVENTS:
            batch = events(BATCH, written)
            start = time.perf_counter()
            with sessions.begin() as session:
                append(session, "bench", batch, signer)
            rates.append(BATCH / (time.perf_counter() - start))
            written += BATCH
        print(
            f"append, batches of {BATCH:,}: median {statistics.median(rates):,.0f} events/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}, {len(rates)} batches)"
        )
        engine.dispose()
        runs = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-c", VERIFY, url], capture_output=True, text=True, check=True
            ).stdout.split()
            ok, count, elapsed, peak = out[0] == "True", int(out[1]), float(out[2]), float(out[3])
            assert ok
            assert count == EVENTS
            runs.append((count / elapsed, peak))
        print(
            f"verify {EVENTS:,} events: median {statistics.median(r for r, _ in runs):,.0f} "
            f"events/s; peak RSS {max(p for _, p in runs):.0f} MB (whole process, 3 runs)"
        )

"""The retention sweep at size: 1,000,000 synthetic patients on PostgreSQL (aim: under 60 s),
its dry run, the forecast over the same store, and a following day's run that carries out
1,000 review decisions (crypto-shredding each patient), and 1,000 crypto-shreds one key-store
transaction each beside one batch.

Each background patient has a name (ciphertext stand-in), one attended appointment some day in
the twelve years before the sweep, and every second one an invoice, every fourth a campaign
message; filled directly, as ``bench_api`` does. ``BENCH_RETENTION_PG_ROWS`` changes the size.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import create_engine, insert, select, text, update

from benchmarks.bench_api import _postgres_database
from hippocratic.domain.clock import FixedClock
from hippocratic.services.retention_forecast import forecast
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store, init_store
from hippocratic.storage.campaign import CampaignMessageRow, CampaignRow
from hippocratic.storage.clinic import AppointmentRow, PaymentRow
from hippocratic.storage.disposal_register import RETENTION, Disposal
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.retention import RetentionReviewRow
from hippocratic.storage.subject import SubjectRow

POLICY = Path(__file__).resolve().parent.parent / "policies" / "harmonic-medical-sonography.yaml"
AS_OF = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
CHUNK = 20_000
ORG = "harmonic"


def _fill(url: str, rows: int) -> None:
    engine = create_engine(url)
    rng = random.Random(15)
    at = datetime(2014, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(CampaignRow),
            [
                {
                    "organisation_id": ORG,
                    "campaign_id": "bench",
                    "name": "Bench",
                    "purpose": "marketing",
                    "channel": "email",
                    "subject_line": "s",
                    "body": "b",
                    "criteria": "[]",
                    "created_by": "bench",
                    "created_at": at,
                    "sent_at": at,
                }
            ],
        )
        for start in range(0, rows, CHUNK):
            subjects, fields, visits, payments, messages = [], [], [], [], []
            for n in range(start, min(rows, start + CHUNK)):
                subject = str(uuid.uuid4())
                seen = NOW - timedelta(days=rng.randrange(12 * 365), hours=rng.randrange(8))
                subjects.append(
                    {
                        "organisation_id": ORG,
                        "subject_id": subject,
                        "created_at": at,
                        "restricted": False,
                    }
                )
                fields.append(
                    {
                        "organisation_id": ORG,
                        "subject_id": subject,
                        "field": "full_name",
                        "ciphertext": b"\0" * 48,
                        "updated_at": seen,
                    }
                )
                visits.append(
                    {
                        "organisation_id": ORG,
                        "appointment_id": str(uuid.uuid4()),
                        "subject_id": subject,
                        "service": b"\0" * 40,
                        "starts_at": seen,
                        "duration_minutes": 30,
                        "status": "attended",
                        "booked_at": seen,
                        "booked_by": "bulk",
                        "updated_at": seen,
                    }
                )
                if n % 2 == 0:
                    payments.append(
                        {
                            "organisation_id": ORG,
                            "payment_id": str(uuid.uuid4()),
                            "subject_id": subject,
                            "method": b"\0" * 20,
                            "amount_pence": 9000,
                            "currency": "GBP",
                            "status": "paid",
                            "taken_at": seen,
                            "taken_by": "bulk",
                        }
                    )
                if n % 4 == 0:
                    messages.append(
                        {
                            "organisation_id": ORG,
                            "message_id": str(uuid.uuid4()),
                            "campaign_id": "bench",
                            "subject_id": subject,
                            "channel": "email",
                            "status": "sent",
                            "sent_at": seen,
                            "unsubscribed": False,
                            "attempts": 1,
                        }
                    )
            connection.execute(insert(SubjectRow), subjects)
            connection.execute(insert(SubjectFieldRow), fields)
            connection.execute(insert(AppointmentRow), visits)
            connection.execute(insert(PaymentRow), payments)
            connection.execute(insert(CampaignMessageRow), messages)
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def _timed(name: str, work: object) -> object:
    started = time.perf_counter()
    result = work()  # type: ignore[operator]
    print(f"{name:<52} {time.perf_counter() - started:8.2f} s", flush=True)
    return result


def run(backend: str, url: str, rows: int) -> None:
    with TemporaryDirectory() as keys:
        store = init_store(POLICY, url, Path(keys), FixedClock(NOW))
        started = time.perf_counter()
        _fill(url, rows)
        print(f"{backend}: {rows:,} patients filled in {time.perf_counter() - started:.1f} s")
        sweep = RetentionSweep(store, ORG)
        dry = _timed(f"{backend} sweep, dry run", lambda: sweep.run(AS_OF, dry_run=True))
        real = _timed(f"{backend} sweep", lambda: sweep.run(AS_OF))
        assert {k: v for k, v in dry.counts.items() if v} == {
            k: v for k, v in real.counts.items() if v
        }  # type: ignore[attr-defined]
        for key, n in sorted(real.counts.items()):  # type: ignore[attr-defined]
            if n:
                print(f"    {key:<48} {n:>10,}")
        _timed(f"{backend} forecast, 12 months", lambda: forecast(store, ORG, AS_OF, 12))
        with store.sessions.begin() as session:
            chosen = list(session.scalars(select(RetentionReviewRow.review_id).limit(1000)))
            session.execute(
                update(RetentionReviewRow)
                .where(RetentionReviewRow.review_id.in_(chosen))
                .values(decision="dispose", decided_by="bench", decided_at=NOW, reason="bench")
            )
        after = _timed(
            f"{backend} next day: 1,000 review decisions carried out",
            lambda: sweep.run(AS_OF + timedelta(days=1)),
        )
        print(f"    keys destroyed: {after.shredded:,}")  # type: ignore[attr-defined]
        _shreds(backend, store)
        store.dispose()


def _shreds(backend: str, store: Store) -> None:
    """1,000 crypto-shreds one key-store transaction each (``Vault.shred``, as review
    decisions were carried out before #15) beside one batch (``Vault.shred_many``)."""
    vault = store.vault
    alone = [f"alone-{n}" for n in range(1_000)]
    batch = [f"batch-{n}" for n in range(1_000)]
    vault.ensure_subject_keys(ORG, [*alone, *batch])
    why = Disposal(RETENTION, "bench", "bench")
    _timed(
        f"{backend} 1,000 shreds, one transaction each",
        lambda: [vault.shred(ORG, subject, why) for subject in alone],
    )
    _timed(f"{backend} 1,000 shreds, one batch", lambda: vault.shred_many(ORG, batch, why))


def main() -> None:
    with TemporaryDirectory() as tmp:
        run(
            "sqlite",
            f"sqlite:///{tmp}/bench.db",
            int(os.environ.get("BENCH_RETENTION_SQLITE_ROWS", "50000")),
        )
    with _postgres_database() as url:
        if url is not None:
            run("postgresql", url, int(os.environ.get("BENCH_RETENTION_PG_ROWS", "1000000")))


if __name__ == "__main__":
    main()

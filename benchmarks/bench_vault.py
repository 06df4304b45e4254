"""The vault: per-field encryption and decryption, subject-key fetches (cached and not), blind
indexes, crypto-shredding as the key store grows (target: under 50 ms whatever the size) and
organisation-key rotation. Shredding runs on the SQLite key store and, when reachable, on
PostgreSQL (``HIPPOCRATIC_BENCH_POSTGRES_URL``, default the test server).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine

from benchmarks.timing import Timing, measure, ratio
from hippocratic.storage.ciphertext import seal, unseal
from hippocratic.storage.keystore import LocalMasterKey, open_key_engine
from hippocratic.storage.vault import Vault

SIZES = (10_000, 100_000)
POSTGRES = os.environ.get(
    "HIPPOCRATIC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def now() -> datetime:
    return datetime.now(UTC)


def field_costs(engine: Engine) -> None:
    master = LocalMasterKey.generate()
    vault = Vault(engine, master, now)
    vault.create_organisation("bench")
    clinic = vault.for_organisation("bench")
    clinic.ensure_subject_key("patient")
    key = vault.subject_cipher("bench", "patient")
    text = "Asthma since 1990; penicillin allergy"
    blob = seal(key, "bench", "patient", "medical_history", text)
    uncached = Vault(engine, master, now, cache_seconds=0)
    encrypt = measure(
        "encrypt one field (key in hand)",
        lambda: seal(key, "bench", "patient", "medical_history", text),
        inner=200,
    )
    decrypt = measure(
        "decrypt one field (key in hand)",
        lambda: unseal(key, "bench", "patient", "medical_history", blob),
        inner=200,
    )
    cached = measure(
        "decrypt_field (cached subject key)",
        lambda: clinic.decrypt_field("patient", "medical_history", blob),
        inner=200,
    )
    fetch = measure(
        "decrypt_field (key store read + unwrap)",
        lambda: uncached.for_organisation("bench").decrypt_field(
            "patient", "medical_history", blob
        ),
        inner=20,
    )
    indexes = [
        measure(
            f"blind index ({field})",
            lambda field=field, value=value: clinic.blind_index(field, value),
            inner=200,
        )
        for field, value in (
            ("nhs_number", "999 000 0018"),
            ("email", " Ada.Example@Example.org "),
            ("phone", "07700 900123"),
        )
    ]
    for timing in (encrypt, decrypt, cached, fetch, *indexes):
        print(timing.line("us"))
    print(ratio(fetch, cached))


def shredding(engine: Engine, label: str) -> None:
    vault = Vault(engine, LocalMasterKey.generate(), now)
    vault.create_organisation("bench")
    populated = 0
    for size in SIZES:
        start = time.perf_counter()
        for first in range(populated, size, 10_000):
            vault.ensure_subject_keys("bench", (f"s{n:06d}" for n in range(first, first + 10_000)))
        mint = time.perf_counter() - start
        print(f"mint {size - populated:,} subject keys, {label}: {mint:.2f} s (batches of 10,000)")
        populated = size
        samples = []
        for n in range(50):
            subject = f"s{(n * 7919 + size // 3) % size:06d}"
            start = time.perf_counter()
            vault.shred("bench", subject)
            samples.append(time.perf_counter() - start)
        timing = Timing(f"crypto-shred, {label}, {size:,} keys", samples)
        verdict = "meets" if timing.p99 < 0.050 else "MISSES"
        print(f"{timing.line('ms')}   {verdict} < 50 ms")
    start = time.perf_counter()
    rewrapped = vault.rotate_organisation_key("bench")
    print(
        f"rotate organisation key, {label}: {rewrapped:,} subject keys re-wrapped in "
        f"{time.perf_counter() - start:.2f} s (batches of 5,000, each its own short transaction)"
    )


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as error:  # any failure to connect means "not available"
        print(f"PostgreSQL not reachable, shredding measured on SQLite only ({error.__class__})")
        yield None
        return
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_key_engine(f"sqlite:///{tmp}/keys.db")
        Vault.create_schema(engine)
        field_costs(engine)
        shred_engine = open_key_engine(f"sqlite:///{tmp}/shred.db")
        Vault.create_schema(shred_engine)
        shredding(shred_engine, "SQLite")
        shred_engine.dispose()
        size = Path(tmp, "shred.db").stat().st_size / 1e6
        print(f"SQLite key store with 100,000 keys: {size:.1f} MB")
        engine.dispose()
    with postgres_schema() as url:
        if url is not None:
            pg = open_key_engine(url)
            Vault.create_schema(pg)
            shredding(pg, "PostgreSQL")
            pg.dispose()

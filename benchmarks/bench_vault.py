"""The vault: field encryption and decryption, blind indexes, and crypto-shredding time as the
key store grows (target: under 50 ms whatever the size)."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from benchmarks.timing import Timing, measure
from hippocratic.storage.database import make_engine
from hippocratic.storage.keystore import LocalMasterKey, SubjectKeyRow
from hippocratic.storage.vault import Vault


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/keys.db")
        Vault.create_schema(engine)
        vault = Vault(engine, LocalMasterKey.generate(), lambda: datetime.now(UTC))
        vault.create_organisation("bench")
        vault.ensure_subject_key("bench", "patient")
        cipher = vault.subject_cipher("bench", "patient")
        blob = vault.encrypt(cipher, "bench", "patient", "medical_history", "Asthma since 1990")
        timings = [
            measure(
                "encrypt one field",
                lambda: vault.encrypt(
                    cipher, "bench", "patient", "medical_history", "Asthma since 1990"
                ),
                inner=200,
            ),
            measure(
                "decrypt one field",
                lambda: vault.decrypt(cipher, "bench", "patient", "medical_history", blob),
                inner=200,
            ),
            measure(
                "blind index (NHS number)",
                lambda: vault.blind_index("bench", "nhs_number", "943 476 5919"),
                inner=200,
            ),
            measure(
                "unwrap a subject key (key store read)",
                lambda: vault.subject_cipher("bench", "patient"),
                inner=20,
            ),
        ]
        for timing in timings:
            print(timing.line("us"))
        populated = 0
        for size in (10_000, 100_000):
            with engine.begin() as connection:
                connection.execute(
                    insert(SubjectKeyRow),
                    [
                        {
                            "organisation_id": "bench",
                            "subject_id": f"s{n}",
                            "wrapped": os.urandom(60),
                            "organisation_key_version": 1,
                        }
                        for n in range(populated, size)
                    ],
                )
            populated = size
            samples = []
            for n in range(30):
                start = time.perf_counter()
                vault.shred("bench", f"s{n * 97}")
                samples.append(time.perf_counter() - start)
            print(Timing(f"crypto-shred one subject ({size:,} keys)", samples).line("ms"))
        engine.dispose()
        print(f"key store size: {Path(tmp, 'keys.db').stat().st_size / 1e6:.1f} MB")

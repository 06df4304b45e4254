"""De-identification on the UCI Adult data (Becker and Kohavi, 1996; CC BY 4.0; ARX's
hierarchies): k = 5 with at most 1% suppression, ours side by side with anjana (own venv) on the
same data, hierarchies and parameters, both scored with the same information-loss metric; then
the same search on Adult replicated to 300,000 and 1,000,000 rows (time and peak memory).

Then a release from the store (``release from-store``, #16) of 100,000 synthetic patients at
k = 5 on PostgreSQL: the guard's scope, every patient's fields read and decrypted, one audit
event per patient, de-identification, and the disclosure log written (one disclosure per
patient released). ``BENCH_STORE_RELEASE_PATIENTS`` changes the size."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, func, insert, select, text

from benchmarks.bench_api import _postgres_database
from hippocratic.domain.clock import FixedClock
from hippocratic.domain.release.hierarchy import read_arx
from hippocratic.domain.release.release import anonymise
from hippocratic.domain.release.spec import ModelSpec, QuasiIdentifier, ReleaseSpec
from hippocratic.services.actor import Actor
from hippocratic.services.store import init_store
from hippocratic.services.store_release import StoreReleases
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureRow
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.subject import SubjectRow

ROOT = Path(__file__).resolve().parent.parent
ADULT = ROOT.parent / "shared" / "data" / "adult"
ANJANA = ROOT / ".venv-anjana" / "bin" / "python"
QIS = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
]

ANJANA_RUN = """
import sys, time, pandas as pd
from anjana.anonymity import k_anonymity
folder, qis, out = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
data = pd.read_csv(folder + "/adult.csv", sep=";", dtype=str)
hierarchies = {q: dict(pd.read_csv(folder + f"/adult_hierarchy_{q}.csv", sep=";", header=None,
                                   dtype=str)) for q in qis}
start = time.perf_counter()
result = k_anonymity(data, [], qis, 5, 1, hierarchies)
print(time.perf_counter() - start)
result.to_csv(out, index=False)
"""

OURS_RUN = """
import resource, sys, time, pandas as pd
sys.path.insert(0, sys.argv[3])
from benchmarks.bench_release import spec
frame = pd.read_csv(sys.argv[1], sep=";", dtype=str)
frame = pd.concat([frame] * int(sys.argv[2]), ignore_index=True)
from hippocratic.domain.release.release import anonymise
start = time.perf_counter()
release = anonymise(frame, spec())
print(len(frame), time.perf_counter() - start,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, release.report.information_loss)
"""


def spec() -> ReleaseSpec:
    return ReleaseSpec(
        project="bench",
        quasi_identifiers={
            q: QuasiIdentifier(hierarchy=str(ADULT / f"adult_hierarchy_{q}.csv")) for q in QIS
        },
        keep=["salary-class"],
        models=ModelSpec(k=5, max_suppression=0.01),
    )


def loss_of(table: pd.DataFrame, rows_in: int) -> tuple[float, dict[str, int]]:
    """The same metric as ours, read off a released table by matching each column's values to
    the hierarchy level that produced them."""
    levels: dict[str, int] = {}
    precision = 0.0
    for q in QIS:
        hierarchy = read_arx(ADULT / f"adult_hierarchy_{q}.csv", q)
        released = set(table[q].astype(str))
        for level in range(hierarchy.height + 1):
            produced = {hierarchy.generalise(v, level) for v in hierarchy.levels}
            if released <= produced:
                levels[q] = level
                break
        precision += levels[q] / hierarchy.height
    share = 1 - len(table) / rows_in
    return (precision / len(QIS)) * (1 - share) + share, levels


def main() -> None:
    frame = pd.read_csv(ADULT / "adult.csv", sep=";", dtype=str)
    ours_times = []
    for _ in range(5):
        start = time.perf_counter()
        release = anonymise(frame, spec())
        ours_times.append(time.perf_counter() - start)
    report = release.report
    print(
        f"ours:   k=5, <=1% suppression on {len(frame):,} rows: median "
        f"{statistics.median(ours_times):.2f} s over {len(ours_times)} runs; loss "
        f"{report.information_loss:.4f}; suppressed {report.rows_suppressed}; levels "
        f"{[lv.level for lv in report.levels]}; lattice {report.lattice_evaluated} of "
        f"{report.lattice_nodes} nodes evaluated"
    )
    check, _ = loss_of(release.table, len(frame))
    print(f"        (loss re-derived from the released table: {check:.4f})")
    if ANJANA.exists():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "anjana.csv"
            runs = [
                float(
                    subprocess.run(
                        [str(ANJANA), "-c", ANJANA_RUN, str(ADULT), ",".join(QIS), str(out)],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout.split()[0]
                )
                for _ in range(3)
            ]
            theirs = pd.read_csv(out, dtype=str)
            loss, levels = loss_of(theirs, len(frame))
        print(
            f"anjana: same data and parameters: median {statistics.median(runs):.2f} s over "
            f"{len(runs)} runs; loss {loss:.4f}; suppressed {len(frame) - len(theirs)}; "
            f"levels {[levels[q] for q in QIS]}"
        )
        print(
            f"time anjana / ours: {statistics.median(runs) / statistics.median(ours_times):.1f}x;"
            f" loss ours - anjana: {report.information_loss - loss:+.4f}"
        )
    else:
        print("anjana: .venv-anjana missing (make bench installs it)")
    for copies in (10, 33):
        out = subprocess.run(
            [sys.executable, "-c", OURS_RUN, str(ADULT / "adult.csv"), str(copies), str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(
            f"scaling: {int(out[0]):>9,} rows: {float(out[1]):.2f} s, peak RSS "
            f"{float(out[2]):.0f} MB (whole process), loss {float(out[3]):.4f}"
        )
    print(json.dumps({"note": "Adult replicated: classes grow, so lower levels satisfy k"}))
    with _postgres_database() as url:
        if url is not None:
            store_release(url, int(os.environ.get("BENCH_STORE_RELEASE_PATIENTS", "100000")))


POLICY = ROOT / "policies" / "harmonic-medical-sonography.yaml"
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
ORG = "harmonic"
STORE_SPEC = {
    "project": "bench-store",
    "direct_identifiers": {"subject_id": "pseudonymise", "full_name": "remove"},
    "quasi_identifiers": {"date_of_birth": {"builtin": "dates"}},
    "keep": ["gender"],
    "models": {"k": 5},
}


def _patients(store: object, url: str, patients: int) -> None:
    """``patients`` synthetic patients with a name, a date of birth and a gender, encrypted as
    the records service encrypts them, filled in chunks."""
    releases = StoreReleases(store, Actor(ORG, "bench", "dpo"))  # type: ignore[arg-type]
    encrypted = releases.compiled.encrypted_fields
    rng = random.Random(16)
    engine = create_engine(url)
    for start in range(0, patients, 10_000):
        subjects = [str(uuid.uuid4()) for _ in range(min(10_000, patients - start))]
        with engine.begin() as connection:
            connection.execute(
                insert(SubjectRow),
                [{"organisation_id": ORG, "subject_id": s, "created_at": NOW} for s in subjects],
            )
        releases.store.vault.ensure_subject_keys(ORG, subjects)
        rows = []
        for subject in subjects:
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
            values = {
                "full_name": f"Bench Patient {rng.randrange(10**6)}",
                "date_of_birth": born.isoformat(),
                "gender": rng.choice(["female", "male"]),
            }
            for field, value in values.items():
                secret = field in encrypted
                rows.append(
                    {
                        "organisation_id": ORG,
                        "subject_id": subject,
                        "field": field,
                        "ciphertext": releases.vault.encrypt_field(subject, field, value)
                        if secret
                        else None,
                        "value": None if secret else value,
                        "updated_at": NOW,
                        "verified_at": NOW,
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(SubjectFieldRow), rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def store_release(url: str, patients: int) -> None:
    with tempfile.TemporaryDirectory() as keys:
        store = init_store(POLICY, url, Path(keys), FixedClock(NOW))
        started = time.perf_counter()
        _patients(store, url, patients)
        print(
            f"store release: {patients:,} patients filled in {time.perf_counter() - started:.0f} s"
        )
        releases = StoreReleases(store, Actor(ORG, "operator", "dpo"))
        chosen = ReleaseSpec.model_validate(STORE_SPEC)
        started = time.perf_counter()
        made = releases.release("uni-leeds", "legal_disclosure", chosen)
        took = time.perf_counter() - started
        with store.sessions() as session:
            logged = session.scalar(select(func.count()).select_from(DisclosureRow))
            items = session.scalar(select(func.count()).select_from(DisclosureItemRow))
            reads = session.scalar(
                select(func.count())
                .select_from(AuditEventRow)
                .where(AuditEventRow.action == "read", AuditEventRow.actor == "operator")
            )
        report = made.report
        print(
            f"release from-store, PostgreSQL, k=5: {patients:,} patients in {took:.1f} s; "
            f"{report.rows_out:,} rows out, {report.rows_suppressed:,} suppressed, k = "
            f"{report.achieved_k}, levels {[lv.level for lv in report.levels]}; {reads:,} read "
            f"events; {logged:,} disclosures and {items:,} items in the log"
        )
        store.dispose()

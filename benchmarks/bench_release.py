"""De-identification on the UCI Adult data (Becker and Kohavi, 1996; CC BY 4.0; ARX's
hierarchies): k = 5 with at most 1% suppression, ours side by side with anjana (own venv) on the
same data, hierarchies and parameters, both scored with the same information-loss metric; then
the same search on Adult replicated to 300,000 and 1,000,000 rows (time and peak memory)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from hippocratic.domain.release.hierarchy import read_arx
from hippocratic.domain.release.release import anonymise
from hippocratic.domain.release.spec import ModelSpec, QuasiIdentifier, ReleaseSpec

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

"""Policy loading and checking: how long the guard and the faces wait for a policy file.

Prints medians and p99 for loading (YAML + schema) and for the full check (load + every rule)
of each shipped policy, against PyYAML's own parse of the same text with libyaml
(``yaml.load(text, yaml.CSafeLoader)``, the parser ``load_policy`` uses, so the ratio is our
loader's overhead) and, for reference, pure Python (``yaml.safe_load``), and the cold first check
(imports included) in a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from benchmarks.timing import Timing, measure, ratio
from hippocratic.policy.loader import load_policy
from hippocratic.policy.validator import check_policy

POLICIES = Path(__file__).resolve().parents[1] / "policies"
COLD = (
    "import time; t = time.perf_counter(); "
    "from hippocratic.policy.validator import check_policy; "
    "[check_policy(p) for p in {files!r}]; print(time.perf_counter() - t)"
)


def main() -> None:
    files = sorted(POLICIES.glob("*.yaml"))
    for path in files:
        _one(path)
    both = measure("check both shipped policies", lambda: [check_policy(p) for p in files])
    print(both.line("ms"))
    cold = [_cold(files) for _ in range(5)]
    print(Timing("cold: import + check both (fresh process)", cold).line("ms"))


def _one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    pure = measure(f"yaml.safe_load (pure Python) {path.stem}", lambda: yaml.safe_load(text))
    parse = measure(f"yaml.load CSafeLoader {path.stem}", lambda: yaml.load(text, yaml.CSafeLoader))
    load = measure(f"load_policy {path.stem}", lambda: load_policy(path))
    check = measure(f"check_policy {path.stem}", lambda: check_policy(path))
    for timing in (pure, parse, load, check):
        print(timing.line("ms"))
    print(ratio(load, parse))
    print(ratio(load, pure))
    print(ratio(check, load))


def _cold(files: list[Path]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(files=[str(f) for f in files])],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())

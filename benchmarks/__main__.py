"""Run every benchmark module (or those named on the command line) and print their figures.

python -m benchmarks              # all
python -m benchmarks guard vault  # bench_guard.py and bench_vault.py only
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = [path.stem for path in sorted(here.glob("bench_*.py"))]
    wanted = [name for name in names if not argv or name.removeprefix("bench_") in argv]
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    print(f"machine: {machine}, python {platform.python_version()}")
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

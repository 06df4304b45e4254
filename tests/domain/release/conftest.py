"""Independent verification of every release the tests make, by pycanon in its own venv."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
PYCANON = ROOT / ".venv-pycanon" / "bin" / "python"
CHECKER = Path(__file__).with_name("pycanon_check.py")

Verifier = Callable[[pd.DataFrame, Sequence[str], Sequence[str]], dict[str, int]]


@pytest.fixture(scope="session")
def pycanon(tmp_path_factory: pytest.TempPathFactory) -> Verifier:
    if not PYCANON.exists():
        pytest.fail("pycanon's virtual environment is missing: run `make test` (it installs it)")
    folder = tmp_path_factory.mktemp("pycanon")

    def verify(
        table: pd.DataFrame, qis: Sequence[str], sensitive: Sequence[str] = ()
    ) -> dict[str, int]:
        path = folder / f"release-{len(list(folder.iterdir()))}.csv"
        table.to_csv(path, index=False)
        out = subprocess.run(
            [str(PYCANON), str(CHECKER), str(path), ",".join(qis), ",".join(sensitive)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return json.loads(out.stdout)

    return verify

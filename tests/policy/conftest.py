"""Fixtures for policy tests: the two shipped policies, and bad files made from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hippocratic.policy.document import Policy
from hippocratic.policy.loader import load_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
HARMONIC = POLICIES / "harmonic-medical-sonography.yaml"
HARMONY = POLICIES / "harmony-healthcare.yaml"


@pytest.fixture(scope="session")
def harmonic() -> Policy:
    return load_policy(HARMONIC)


@pytest.fixture(scope="session")
def harmony() -> Policy:
    return load_policy(HARMONY)


Mutator = Callable[[str, str], tuple[Path, int]]


@pytest.fixture
def mutated(tmp_path: Path) -> Callable[..., tuple[Path, int]]:
    """Write a copy of a shipped policy with ``old`` replaced by ``new`` (exactly once, after
    the line containing ``after`` if given); return the file and the line ``new`` starts on."""

    def make(old: str, new: str, *, after: str = "", source: Path = HARMONIC) -> tuple[Path, int]:
        text = source.read_text(encoding="utf-8")
        start = text.index(after) if after else 0
        position = text.index(old, start)
        changed = text[:position] + new + text[position + len(old) :]
        path = tmp_path / "policy.yaml"
        path.write_text(changed, encoding="utf-8")
        return path, changed[:position].count("\n") + 1

    return make

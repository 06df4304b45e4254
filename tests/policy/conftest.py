"""Fixtures for policy tests: the two shipped policies, loaded once per session."""

from __future__ import annotations

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

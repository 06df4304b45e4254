"""Keyed pseudonyms: stable within a project, unlinkable across projects, key never shown."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hippocratic.domain.release.pseudonym import pseudonym, pseudonymise, reidentify
from hippocratic.errors import InputError

KEY = secrets.token_bytes(32)


@pytest.mark.promise("S0-82")
@given(value=st.text(min_size=1, max_size=30))
def test_stable_within_a_project_and_different_across_projects(value: str) -> None:
    first = pseudonym(KEY, "project-a", "nhs_number", value)
    assert first == pseudonym(KEY, "project-a", "nhs_number", value)
    assert first != pseudonym(KEY, "project-b", "nhs_number", value)
    assert len(first) == 20
    assert first != value
    assert KEY.hex()[:20] != first


def test_reidentification_is_explicit_and_needs_key_and_candidates() -> None:
    aliases = pseudonymise(KEY, "p", "nhs_number", ["9990000018", "9990000026"])
    assert reidentify(KEY, "p", "nhs_number", aliases[:1], ["9990000018", "9990000026"]) == {
        aliases[0]: "9990000018"
    }
    assert reidentify(secrets.token_bytes(32), "p", "nhs_number", aliases, ["9990000018"]) == {}


def test_a_short_key_is_refused() -> None:
    with pytest.raises(InputError, match="32 bytes"):
        pseudonym(b"short", "p", "c", "v")

"""A policy states a promise where a comment names it: a comment at the end of a line names
that line's key, a block of comments the key after it, and the file's opening comments none."""

from __future__ import annotations

from pathlib import Path

from hippocratic.policy.loader import parse_policy_text
from hippocratic.policy.promise_register import promise_ids
from hippocratic.policy.promise_statement import promise_statements

REPO = Path(__file__).resolve().parents[2]

TEXT = """\
# The clinic's policy. Promise ids are S0-nn; S0-99 here is about the file, not a rule.
schema_version: 1
organisation:
  key: clinic                # S0-02: the registered name
  # S0-72, D-07: transfers outside the UK need a safeguard
  permitted_countries: [GB]
recipients:
  # S0-54..S0-56: the closed list of recipients
  - key: lab
    note: "a # in quotes is text, S0-98"
"""


def _statements(text: str) -> dict[str, list[tuple[int, str]]]:
    _, locator, _ = parse_policy_text(text, "clinic.yaml")
    found = promise_statements(text, locator)
    return {k: [(s.line, s.path) for s in v] for k, v in found.items()}


def test_trailing_and_block_comments_name_their_keys_and_the_header_names_none() -> None:
    found = _statements(TEXT)
    assert found["S0-02"] == [(4, "organisation.key")]
    assert found["S0-72"] == [(6, "organisation.permitted_countries")]
    assert found["S0-54"] == found["S0-55"] == found["S0-56"] == [(9, "recipients[lab]")]
    assert "S0-99" not in found and "S0-98" not in found


def test_the_shipped_policy_states_its_retention_promise_at_the_maternity_rule() -> None:
    path = REPO / "policies" / "harmonic-medical-sonography.yaml"
    text = path.read_text()
    found = _statements(text)
    lines = text.splitlines()
    for line, _ in found["S0-76"]:
        assert "S0-76" in promise_ids("\n".join(lines[max(0, line - 4) : line]))
    assert any(key == "categories[maternity_record]" for _, key in found["S0-76"])

"""docs/policy.md stays true: every section of the format and every rule id is documented,
and its example is a sound policy."""

from __future__ import annotations

import re
from pathlib import Path

from hippocratic.policy.document import Policy
from hippocratic.policy.loader import parse_policy_text
from hippocratic.policy.validator import validate

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
PREFIXES = [
    "ref",
    "art9",
    "basis",
    "consent",
    "marketing",
    "recipient",
    "card",
    "transfer",
    "retention",
    "taxonomy",
    "form",
    "cookie",
    "category",
    "yaml",
    "file",
    "schema",
    "records",
]
RULE = re.compile(rf'"((?:{"|".join(PREFIXES)})\.[a-z_0-9]+)"')


def test_every_section_is_documented() -> None:
    for name in Policy.model_fields:
        if name != "schema_version":
            assert f"`{name}`" in DOC, name


def test_every_rule_id_in_the_code_is_documented() -> None:
    sources = [
        *(ROOT / "src/hippocratic/policy").rglob("*.py"),
        ROOT / "src/hippocratic/domain/retention_catalogue.py",
    ]
    rules = {rule for path in sources for rule in RULE.findall(path.read_text())}
    assert {"art9.missing", "card.display", "retention.below_minimum"} <= rules
    for rule in rules:
        assert f"`{rule}`" in DOC, rule


def test_the_example_is_a_sound_policy() -> None:
    example = DOC.split("```yaml\n", 1)[1].split("```", 1)[0]
    policy, locator, problems = parse_policy_text(example, "example")
    assert problems == []
    assert policy is not None
    assert validate(policy, locator) == []

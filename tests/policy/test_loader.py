"""The loader reports structural problems with file, line, key path and a fix; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.loader import load_policy, parse_policy, parse_policy_text


def test_shipped_policies_load(harmonic: object, harmony: object) -> None:
    assert harmonic is not None
    assert harmony is not None


def test_malformed_yaml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("organisation:\n  key: x\n  legal_name: [unclosed\nnotice: {}\n")
    policy, _, problems = parse_policy(path)
    assert policy is None
    assert len(problems) == 1
    assert problems[0].rule == "yaml.syntax"
    assert problems[0].line in (3, 4)
    assert problems[0].file == str(path)


def test_unknown_key_names_line_path_and_suggestion(mutated) -> None:
    path, line = mutated("    retention: enquiry_record", "    retentoin: enquiry_record")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.unknown_key", line)]
    assert problems[0].path == "categories[enquiry].retentoin"
    assert "`retention`" in problems[0].fix


def test_wrong_type_and_bad_choice_are_reported_together(mutated) -> None:
    path, line = mutated("    lawful_basis: consent", "    lawful_basis: consnet")
    _, _, problems = parse_policy(path)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.rule, problem.line) == ("schema.choice", line)
    assert problem.path == "purposes[product_scoring].lawful_basis"
    assert "'consent'" in problem.fix and "'legitimate_interests'" in problem.fix


def test_missing_key_points_at_its_parent(mutated) -> None:
    path, _ = mutated("  legal_name: Harmonic Medical Sonography Limited\n", "")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.path) for p in problems] == [("schema.missing", "organisation.legal_name")]
    organisation_line = path.read_text().splitlines().index("organisation:") + 1
    assert problems[0].line == organisation_line


def test_wrong_type_is_reported(mutated) -> None:
    path, line = mutated("    required: true", "    required: sometimes")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.bool_parsing", line)]
    assert "'sometimes'" in problems[0].message


def test_duplicate_keys_are_not_silently_dropped(mutated) -> None:
    path, line = mutated(
        "  trading_name: Harmonic Medical Sonography\n",
        "  trading_name: Harmonic Medical Sonography\n  trading_name: Someone Else\n",
    )
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.duplicate_key", line + 1)]


def test_load_policy_raises_one_error_listing_every_problem(mutated) -> None:
    path, _ = mutated("    required: true", "    required: sometimes")
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(path)
    assert caught.value.code == "policy.invalid"
    assert len(caught.value.details) == 1
    assert str(path) in caught.value.details[0]


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just text"])
def test_a_file_that_is_not_a_mapping_is_a_problem_not_a_crash(text: str) -> None:
    policy, _, problems = parse_policy_text(text, "x.yaml")
    assert policy is None
    assert problems[0].rule == "schema.type"


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    policy, _, problems = parse_policy(tmp_path / "missing.yaml")
    assert policy is None
    assert problems[0].rule == "file.unreadable"

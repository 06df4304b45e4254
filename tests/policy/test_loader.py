"""The loader reports structural problems with file, line, key path and a fix; never a traceback."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.sound import SOUND, SOUND_TEXT, line_of, mutate

from hippocratic.errors import PolicyInvalid
from hippocratic.policy import loader
from hippocratic.policy.loader import (
    MAX_NODES,
    load_policy,
    load_policy_text,
    parse_policy,
    parse_policy_text,
)

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _problems(path: Path) -> list[tuple[str, int, str]]:
    _, _, problems = parse_policy(path)
    return [(p.rule, p.line, p.path) for p in problems]


def test_the_sound_policy_loads_with_its_lines() -> None:
    policy, locator, problems = parse_policy(SOUND)
    assert problems == []
    assert policy is not None and policy.organisation.key == "lakeside"
    assert locator.line(("purposes", 4, "lawful_basis")) == line_of(
        SOUND, "lawful_basis: consent", after="- key: newsletter"
    )
    assert locator.path(("purposes", 4, "lawful_basis")) == "purposes[newsletter].lawful_basis"
    assert load_policy(SOUND) == policy


@pytest.mark.parametrize("name", ["harmonic-medical-sonography.yaml", "harmony-healthcare.yaml"])
def test_shipped_policies_load(name: str) -> None:
    assert load_policy(POLICIES / name).purposes


def test_malformed_yaml_is_located(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "  legal_name: Lakeside Scans Ltd", "  legal_name: [unclosed")
    _, _, problems = parse_policy(path)
    assert len(problems) == 1
    assert problems[0].rule == "yaml.syntax"
    assert problems[0].line in (line, line + 1)
    assert problems[0].file == str(path)
    assert "malformed YAML" in problems[0].message


def test_a_tab_in_the_indentation_is_located(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "  trading_name:", "\ttrading_name:")
    assert _problems(path) == [("yaml.syntax", line, "(file)")]


def test_unknown_key_names_line_path_and_suggestion(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    retention: financial_record", "    retentoin: financial_record"
    )
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.unknown_key", line, "categories[payment].retentoin")
    ]
    assert problems[0].fix == "did you mean `retention`?"


def test_a_misspelt_required_key_is_reported_once_as_unknown(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    lawful_basis: contract", "    lawfull_basis: contract", after="key: billing"
    )
    assert _problems(path) == [("schema.unknown_key", line, "purposes[billing].lawfull_basis")]


def test_an_unknown_key_unlike_any_lists_the_keys_allowed_there(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "  permitted_countries: [GB]", "  favourite_colour: blue")
    _, _, problems = parse_policy(path)
    assert problems[0].rule == "schema.unknown_key"
    assert "legal_name" in problems[0].fix and "permitted_countries" in problems[0].fix
    assert "lawful_basis" not in problems[0].fix


@pytest.mark.promise("S0-24")
def test_a_bad_choice_lists_the_choices_and_the_closest(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    lawful_basis: contract", "    lawful_basis: contrat", after="key: billing"
    )
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.choice", line, "purposes[billing].lawful_basis")
    ]
    assert problems[0].message == "'contrat' is not allowed here"
    assert problems[0].fix.startswith("did you mean `contract`?")
    assert "legitimate_interests" in problems[0].fix and "public_task" in problems[0].fix


def test_the_recipient_class_alias_is_checked_like_any_choice(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    class: advertiser", "    class: advertizer")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.choice", line, "recipients[ad_network].class")
    ]
    assert "`advertiser`" in problems[0].fix


@pytest.mark.promise("S0-24")
def test_a_purpose_without_a_lawful_basis_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    lawful_basis: contract\n", "", after="key: billing")
    assert _problems(path) == [
        ("schema.missing", line_of(path, "  - key: billing"), "purposes[billing].lawful_basis")
    ]


def test_missing_key_points_at_its_parent(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "  legal_name: Lakeside Scans Ltd\n", "")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.path) for p in problems] == [("schema.missing", "organisation.legal_name")]
    assert problems[0].line == line_of(path, "organisation:")
    assert problems[0].fix.startswith("add `legal_name:`")


def test_a_missing_key_in_a_list_item_points_at_the_item(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    title: Taking payment\n", "", after="- key: billing")
    assert _problems(path) == [("schema.missing", line - 1, "purposes[billing].title")]


def test_wrong_type_is_reported_with_the_value_found(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "        required: true", "        required: sometimes")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.bool_parsing", line)]
    assert "true or false" in problems[0].message and "'sometimes'" in problems[0].message


def test_yaml_booleans_in_place_of_text_are_explained(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    country: US\n", "    country: NO\n")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.string_type", line, "recipients[web_analytics].country")
    ]
    assert "`false`" in problems[0].message
    assert "quotes" in problems[0].fix


def test_a_number_in_place_of_text_is_explained(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, '  version: "1.0"', "  version: 1.0")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.string_type", line)]
    assert "number 1.0" in problems[0].message
    assert problems[0].fix == 'put the value in quotes, e.g. "1.0"'


def test_a_single_value_in_place_of_a_list_is_explained(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    recipients: [gp]", "    recipients: gp")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.list_type", line, "purposes[care].recipients")
    ]
    assert "[first, second]" in problems[0].fix


def test_an_empty_required_list_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    purposes: [care]\n", "    purposes: []\n", after="key: sonographer"
    )
    assert _problems(path) == [("schema.too_short", line, "roles[sonographer].purposes")]


def test_a_key_that_is_not_snake_case_gets_its_snake_case_form(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "  - key: fraud_checks", "  - key: Fraud Checks")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line) for p in problems] == [("schema.string_pattern_mismatch", line)]
    assert problems[0].fix == "write it as `fraud_checks`"


def test_an_impossible_date_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "effective_date: 2026-02-01", "effective_date: 2026-02-30")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("yaml.value", line, "notice.effective_date")
    ]


def test_duplicate_keys_are_not_silently_dropped(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "  trading_name: Lakeside Scans\n",
        "  trading_name: Lakeside Scans\n  trading_name: Someone Else\n",
    )
    assert _problems(path) == [("schema.duplicate_key", line + 1, "organisation.trading_name")]


def test_an_alias_that_contains_itself_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("organisation: &loop\n  inner: *loop\n")
    rules = [rule for rule, _, _ in _problems(path)]
    assert rules == ["yaml.alias_loop"]


def test_aliases_that_multiply_without_end_are_stopped(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    _, _, problems = parse_policy(path)
    assert [p.rule for p in problems] == ["yaml.too_large"]
    assert f"{MAX_NODES:,}" in problems[0].message


def test_python_tags_are_refused_not_run(tmp_path: Path) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text("organisation: !!python/object/apply:os.system [echo hi]\n")
    assert [rule for rule, _, _ in _problems(path)] == ["yaml.tag"]


def test_load_policy_raises_one_error_listing_every_problem(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "        required: true", "        required: sometimes")
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(path)
    error = caught.value
    assert error.code == "policy.invalid"
    assert error.details == [
        {
            "file": str(path),
            "line": line,
            "path": "categories[identity].fields[full_name].required",
            "rule": "schema.bool_parsing",
            "message": "true or false is expected, found 'sometimes'",
            "fix": "write `true` or `false`",
        }
    ]
    assert f"{path}:{line}" in error.message


def test_load_policy_text_names_its_source() -> None:
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_text(SOUND_TEXT.replace("  key: lakeside\n", ""), "stored policy")
    assert caught.value.details[0]["file"] == "stored policy"
    assert load_policy_text(SOUND_TEXT).organisation.key == "lakeside"


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just text"])
def test_a_file_that_is_not_a_mapping_is_a_problem_not_a_crash(text: str) -> None:
    policy, _, problems = parse_policy_text(text, "x.yaml")
    assert policy is None
    assert problems[0].rule == "schema.type"


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    policy, _, problems = parse_policy(tmp_path / "missing.yaml")
    assert policy is None
    assert problems[0].rule == "file.unreadable"


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("organisation: caf\xe9\n".encode("latin-1"))
    assert [rule for rule, _, _ in _problems(path)] == ["file.unreadable"]


_LINES = SOUND_TEXT.splitlines(keepends=True)


@settings(max_examples=60, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(_LINES) - 1),
    replacement=st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
def test_any_one_line_changed_is_reported_never_raised(index: int, replacement: str) -> None:
    text = "".join(_LINES[:index]) + replacement + "\n" + "".join(_LINES[index + 1 :])
    policy, _, problems = parse_policy_text(text, "fuzzed.yaml")
    assert (policy is None) == bool(problems)
    for problem in problems:
        assert 1 <= problem.line <= text.count("\n") + 1
        assert problem.rule and problem.message and problem.fix and problem.path


def test_a_permitted_country_must_be_a_country_code(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "  permitted_countries: [GB]", "  permitted_countries: [GB, us]")
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.string_pattern_mismatch", line, "organisation.permitted_countries[1]")
    ]
    assert "ISO 3166-1" in problems[0].message


def test_without_libyaml_the_same_problems_come_at_the_same_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = mutate(tmp_path, "effective_date: 2026-02-01", "effective_date: 2026-02-30")
    path.write_text(path.read_text().replace("    country: US\n", "    country: NO\n", 1))
    fast = parse_policy(path)[2]
    monkeypatch.setattr(loader, "_Loader", yaml.SafeLoader)
    assert parse_policy(path)[2] == fast
    assert [p.rule for p in fast] == ["yaml.value"]


def _nested(depth: int) -> str:
    """A policy-shaped file whose `notice:` holds ``depth`` nested mappings, one key a line."""
    lines = ["notice:"] + [f"{'  ' * (level + 1)}k{level}:" for level in range(depth)]
    return "\n".join(lines) + " end\n"


@pytest.mark.parametrize("depth", [loader.MAX_DEPTH + 10, 700, 3000])
@pytest.mark.parametrize("parser", ["libyaml", "pure Python"])
def test_nesting_too_deep_is_one_problem_at_the_same_line_with_either_parser(
    depth: int, parser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parser == "pure Python":
        monkeypatch.setattr(loader, "_Loader", yaml.SafeLoader)
    policy, _, problems = parse_policy_text(_nested(depth), "deep.yaml")
    assert policy is None
    # `notice:` is level 1; the first value below level MAX_DEPTH is the mapping at key k64
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("yaml.too_deep", loader.MAX_DEPTH + 2, "(file)")
    ]
    assert str(loader.MAX_DEPTH) in problems[0].message


def test_a_file_too_deep_to_compose_takes_the_recursion_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pure-Python composer recurses per level: 3000 levels exhaust the stack before any
    node is built, so the limit is found from the parser's events instead."""
    monkeypatch.setattr(loader, "_Loader", yaml.SafeLoader)
    with pytest.raises(RecursionError):
        yaml.SafeLoader(_nested(3000)).get_single_node()
    _, _, problems = parse_policy_text("[" * 3000 + "]" * 3000, "flow.yaml")
    assert [(p.rule, p.line) for p in problems] == [("yaml.too_deep", 1)]


def test_as_deep_as_the_limit_is_not_too_deep() -> None:
    _, _, problems = parse_policy_text(_nested(loader.MAX_DEPTH - 1), "deep.yaml")
    assert "yaml.too_deep" not in {p.rule for p in problems}


@pytest.mark.parametrize("parser", ["libyaml", "pure Python"])
def test_a_control_character_is_one_line_at_its_own_line(
    parser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parser == "pure Python":
        monkeypatch.setattr(loader, "_Loader", yaml.SafeLoader)
    text = SOUND_TEXT.replace("  trading_name: Lakeside Scans", "  trading_name: Lake\x00side")
    _, _, problems = parse_policy_text(text, "nul.yaml")
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("yaml.syntax", text[: text.index("\x00")].count("\n") + 1, "(file)")
    ]
    assert "\n" not in str(problems[0])
    assert "#x0000" in problems[0].message


def test_a_parser_message_is_one_line() -> None:
    _, _, problems = parse_policy_text("organisation:\n  key: [a,\n", "open.yaml")
    assert len(problems) == 1
    assert "\n" not in problems[0].message and "\n" not in str(problems[0])


@pytest.mark.parametrize(
    "text", ["", "just text", "- a list\n", "organisation: [\n", "a: \x01\n"], ids=repr
)
def test_problems_with_the_whole_file_have_one_path_label(text: str, tmp_path: Path) -> None:
    _, _, problems = parse_policy_text(text, "whole.yaml")
    assert [p.path for p in problems] == ["(file)"]
    _, _, unreadable = parse_policy(tmp_path / "missing.yaml")
    assert [p.path for p in unreadable] == ["(file)"]


def test_a_key_that_is_not_text_is_named_as_written(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "  trading_name: Lakeside Scans", "  ~: Lakeside Scans")
    path.write_text(
        path.read_text().replace("  permitted_countries:", "  [a, b]: x\n  permitted_countries:")
    )
    assert [(rule, at, where) for rule, at, where in _problems(path)] == [
        ("schema.unknown_key", line, 'organisation."~"'),
        ("schema.unknown_key", line_of(path, "  [a, b]: x"), 'organisation."(a list)"'),
    ]


def test_a_misspelling_is_recognised_from_the_keys_not_from_the_hint_wording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewording the "did you mean" hint must not bring back the echo as `schema.missing`."""
    from hippocratic.policy import schema_error

    original = schema_error.problem_from

    def reworded(error, locator):  # type: ignore[no-untyped-def]
        problem = original(error, locator)
        return dataclasses.replace(problem, fix=problem.fix.replace("did you mean", "perhaps"))

    monkeypatch.setattr(loader, "problem_from", reworded)
    path, line = mutate(
        tmp_path, "    lawful_basis: contract", "    lawfull_basis: contract", after="key: billing"
    )
    _, _, problems = parse_policy(path)
    assert [(p.rule, p.line, p.path) for p in problems] == [
        ("schema.unknown_key", line, "purposes[billing].lawfull_basis")
    ]
    assert problems[0].fix == "perhaps `lawful_basis`?"

"""Read a policy file into a typed ``Policy``, or say precisely what is wrong with it.

YAML is composed into nodes first so that every key path keeps its line; structural problems
(malformed YAML, duplicate or unknown keys, wrong types, missing keys) are reported as
``file:line  key.path  what is wrong -> how to fix`` and raised together as ``PolicyInvalid``.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.document import Policy
from hippocratic.policy.locator import Loc, Locator
from hippocratic.policy.problem import Problem


def load_policy(path: Path | str) -> Policy:
    """Load and structurally validate a policy file; raise ``PolicyInvalid`` listing problems."""
    policy, _, problems = parse_policy(Path(path))
    if policy is None:
        raise _invalid(str(path), problems)
    return policy


def load_policy_text(text: str, name: str = "<policy>") -> Policy:
    policy, _, problems = parse_policy_text(text, name)
    if policy is None:
        raise _invalid(name, problems)
    return policy


def parse_policy(path: Path) -> tuple[Policy | None, Locator, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        locator = Locator(str(path))
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return (
            None,
            locator,
            [
                locator.problem(
                    (),
                    "file.unreadable",
                    f"cannot read the file: {reason}",
                    "check the path and that the file is UTF-8 text",
                )
            ],
        )
    return parse_policy_text(text, str(path))


def parse_policy_text(text: str, name: str) -> tuple[Policy | None, Locator, list[Problem]]:
    locator = Locator(name)
    problems: list[Problem] = []
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            locator.data = _construct(node, (), loader, locator, problems) if node else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "malformed YAML"
        return (
            None,
            locator,
            [
                Problem(
                    name,
                    line,
                    "(file)",
                    "yaml.syntax",
                    f"malformed YAML: {what}",
                    "check indentation, colons and quotes on this line and the one before",
                )
            ],
        )
    except yaml.YAMLError as exc:
        return (
            None,
            locator,
            [Problem(name, 1, "(file)", "yaml.syntax", f"malformed YAML: {exc}", "fix the YAML")],
        )
    if not isinstance(locator.data, dict):
        problems.append(
            locator.problem(
                (),
                "schema.type",
                "the file is not a mapping of sections",
                "start with `organisation:`, `notice:`, `categories:` ...",
            )
        )
        return None, locator, problems
    if problems:
        return None, locator, problems
    try:
        policy = Policy.model_validate(locator.data)
    except ValidationError as exc:
        return None, locator, [_problem_from(error, locator) for error in exc.errors()]
    return policy, locator, []


def _construct(
    node: yaml.Node, loc: Loc, loader: yaml.SafeLoader, locator: Locator, problems: list[Problem]
) -> Any:
    locator.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            if key in result:
                locator.lines[(*loc, key)] = key_node.start_mark.line + 1
                problems.append(
                    locator.problem(
                        (*loc, key),
                        "schema.duplicate_key",
                        f"`{key}` appears twice here",
                        "keep one: YAML silently drops the first, which would lose what it said",
                    )
                )
                continue
            locator.lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*loc, key), loader, locator, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, (*loc, index), loader, locator, problems)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)


def _problem_from(error: Any, locator: Locator) -> Problem:
    loc: Loc = tuple(
        part
        for part in error["loc"]
        if not isinstance(part, str) or not part.startswith("function-")
    )
    kind = error["type"]
    name = loc[-1] if loc else ""
    if kind == "missing":
        return locator.problem(
            loc,
            "schema.missing",
            f"required key `{name}` is missing",
            f"add `{name}:` here (see docs/policy.md)",
        )
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(name), sorted(_known_keys()), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "remove it (see docs/policy.md)"
        return locator.problem(loc, "schema.unknown_key", f"unknown key `{name}`", hint)
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return locator.problem(
            loc,
            "schema.choice",
            f"{error['input']!r} is not allowed here",
            f"use one of {expected}",
        )
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    return locator.problem(
        loc,
        f"schema.{kind}",
        f"{error['msg']} (got {shown})",
        "correct the value (see docs/policy.md for this key)",
    )


@cache
def _known_keys() -> frozenset[str]:
    names: set[str] = set()
    pending: list[type[BaseModel]] = [Policy]
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for field_name, info in model.model_fields.items():
            names.add(info.alias or field_name)
            pending.extend(_models_in(info.annotation))
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in getattr(annotation, "__args__", ()):
        found.extend(_models_in(argument))
    return found


def _invalid(name: str, problems: list[Problem]) -> PolicyInvalid:
    count = len(problems)
    return PolicyInvalid(
        f"{name}: {count} problem{'s' if count != 1 else ''} found",
        details=[str(problem) for problem in problems],
        hint="run `hippocratic policy check FILE` for the full list",
    )

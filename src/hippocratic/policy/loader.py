"""Read a policy file into a typed ``Policy``, or say precisely what is wrong with it.

YAML is composed into nodes first so that every key path keeps its line; structural problems
(malformed YAML, duplicate or unknown keys, wrong types, missing keys) are reported as
``file:line  key.path  what is wrong -> how to fix`` and raised together as ``PolicyInvalid``.
Nothing in a file, however broken, escapes as a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.document import Policy
from hippocratic.policy.locator import FILE, Loc, Locator
from hippocratic.policy.problem import Problem
from hippocratic.policy.schema_error import closest_key, located_at, problem_from

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
)
"""libyaml's parser where installed (about 15 times faster), the pure-Python one otherwise."""

MAX_NODES = 200_000
"""More values than any real policy has: stops alias bombs ("billion laughs") cold."""
MAX_DEPTH = 64
"""Levels of nesting: a policy needs about six. Deeper files are refused as ``yaml.too_deep``
at the same line whichever parser reads them, before the stack could run out."""

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
)


def load_policy(path: Path | str) -> Policy:
    """Load and structurally validate a policy file; raise ``PolicyInvalid`` listing problems.

    Semantic checks (references, lawful bases, ...) are ``validator.check_policy``'s."""
    policy, _, problems = parse_policy(Path(path))
    if policy is None:
        raise invalid(str(path), problems)
    return policy


def load_policy_text(text: str, name: str = "<policy>") -> Policy:
    """As ``load_policy``, for policy text already in memory; ``name`` is used in problems."""
    policy, _, problems = parse_policy_text(text, name)
    if policy is None:
        raise invalid(name, problems)
    return policy


def parse_policy(path: Path) -> tuple[Policy | None, Locator, list[Problem]]:
    """The policy (or None), where each key is, and every structural problem; never raises."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        locator = Locator(str(path))
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problem = locator.problem(
            (),
            "file.unreadable",
            f"cannot read the file: {reason}",
            "check the path and that the file is UTF-8 text",
        )
        return None, locator, [problem]
    return parse_policy_text(text, str(path))


def parse_policy_text(text: str, name: str) -> tuple[Policy | None, Locator, list[Problem]]:
    locator = Locator(name)
    problems: list[Problem] = []
    syntax = _read_yaml(text, locator, problems)
    if syntax is not None:
        return None, locator, [syntax]
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
        return None, locator, _without_echoes(exc.errors(), locator)
    return policy, locator, []


def _without_echoes(errors: list[ErrorDetails], locator: Locator) -> list[Problem]:
    """A misspelt key is reported once: as unknown (with its suggestion), not also as missing."""
    located = [(located_at(error), error) for error in errors]
    misspelt = {
        (loc[:-1], close)
        for loc, error in located
        if error["type"] == "extra_forbidden" and (close := closest_key(loc)) is not None
    }
    return [
        problem_from(error, locator)
        for loc, error in located
        if error["type"] != "missing" or (loc[:-1], loc[-1] if loc else "") not in misspelt
    ]


def _read_yaml(text: str, locator: Locator, problems: list[Problem]) -> Problem | None:
    """Fill ``locator.data`` and its lines; return the syntax problem that stopped reading."""
    name = locator.file
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                builder = _Builder(loader, locator)
                locator.data = builder.build(node, ())
                problems.extend(
                    Problem(name, _editor_line(text, line), locator.path(loc), rule, message, fix)
                    for loc, line, rule, message, fix in builder.findings
                )
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _editor_line(text, mark.line + 1 if mark else 1)
        what = _one_line(exc.problem or exc.context or "malformed YAML")
        if "nesting depth" in what:  # libyaml's own limit, deeper than MAX_DEPTH
            return _too_deep(name, _depth_line(text))
        return Problem(
            name,
            line,
            FILE,
            "yaml.syntax",
            f"malformed YAML: {what}",
            "check indentation, colons and quotes on this line and the one before",
        )
    except yaml.reader.ReaderError as exc:
        return Problem(
            name,
            text[: exc.position].count("\n") + 1,
            FILE,
            "yaml.syntax",
            f"malformed YAML: {_one_line(str(exc))}",
            "remove the character: a policy is plain text",
        )
    except yaml.YAMLError as exc:
        message = f"malformed YAML: {_one_line(str(exc))}"
        return Problem(name, 1, FILE, "yaml.syntax", message, "fix the YAML")
    except _TooLarge as exc:
        return Problem(
            name,
            exc.line,
            FILE,
            "yaml.too_large",
            f"the file expands to more than {MAX_NODES:,} values (aliases repeating aliases?)",
            "write the policy out plainly; use anchors and aliases sparingly, if at all",
        )
    except _TooDeep as exc:
        return _too_deep(name, exc.line)
    except RecursionError:  # the pure-Python parser's recursion, before MAX_DEPTH is reached
        return _too_deep(name, _depth_line(text))
    return None


def _editor_line(text: str, line: int) -> int:
    """YAML also breaks lines at NEL and the Unicode line and paragraph separators, which an
    editor shows inside a line: a reported line never lies beyond the file's last."""
    return min(line, text.count("\n") + 1)


def _one_line(message: str) -> str:
    """The first line of a parser's message: the rest repeats where, which the problem says."""
    return message.strip().splitlines()[0] if message.strip() else "malformed YAML"


def _too_deep(name: str, line: int) -> Problem:
    return Problem(
        name,
        line,
        FILE,
        "yaml.too_deep",
        f"the YAML is nested more than {MAX_DEPTH} levels deep, which no policy needs",
        "flatten it: a policy is a few levels of sections, lists and keys",
    )


def _depth_line(text: str) -> int:
    """The line of the first value nested deeper than MAX_DEPTH, found from the parser's events,
    which (unlike composing nodes) need no recursion: for a file too deep to compose at all."""
    open_collections: list[list[int]] = []
    """Per open collection: [1 if a mapping else 0, how many nodes it has had]."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                open_collections.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            parent = open_collections[-1] if open_collections else None
            is_key = parent is not None and parent[0] == 1 and parent[1] % 2 == 0
            if parent is not None:
                parent[1] += 1
            if not is_key and len(open_collections) > MAX_DEPTH:
                return event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.CollectionStartEvent):
                open_collections.append([int(isinstance(event, yaml.MappingStartEvent)), 0])
    except yaml.YAMLError:
        pass
    return 1


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _TooLarge(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Builder:
    """Builds plain Python values from YAML nodes, recording the line of every key path."""

    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader, locator: Locator) -> None:
        self.loader = loader
        self.locator = locator
        self.findings: list[tuple[Loc, int, str, str, str]] = []
        """(key path, line, rule, message, fix): made into problems once paths can be named."""
        self.active: set[int] = set()
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.locator.lines.setdefault(loc, node.start_mark.line + 1)
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node.start_mark.line + 1)
        if len(loc) > MAX_DEPTH:
            raise _TooDeep(node.start_mark.line + 1)
        if id(node) in self.active:
            self._report(
                node, loc, "yaml.alias_loop", "an alias refers to itself", "remove the loop"
            )
            return None
        if node.tag not in _STANDARD_TAGS:
            self._report(
                node,
                loc,
                "yaml.tag",
                f"unsupported YAML tag `{node.tag}`",
                "remove the tag: a policy holds only text, numbers, dates, lists and mappings",
            )
            return None
        if isinstance(node, yaml.MappingNode):
            self.active.add(id(node))
            try:
                return self._mapping(node, loc)
            finally:
                self.active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.active.add(id(node))
            try:
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        return self._scalar(node, loc)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, loc)
            here: Loc = (*loc, key)
            self.locator.lines[here] = key_node.start_mark.line + 1
            if key in result:
                self._report(
                    key_node,
                    here,
                    "schema.duplicate_key",
                    f"`{key}` appears twice here",
                    "keep one: YAML silently drops the first, which would lose what it said",
                )
                continue
            result[key] = self.build(value_node, here)
        return result

    def _key(self, node: yaml.Node, loc: Loc) -> str:
        """A text key as written; any other key quoted as written (`"~"`, `"yes"`, `"[a, b]"`),
        so that the problem it causes names what the file says."""
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, loc)
            if isinstance(value, str):
                return value
            return f'"{node.value}"'
        kind = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
        return f'"({kind})"'

    def _scalar(self, node: yaml.Node, loc: Loc) -> Any:
        try:
            return self.loader.construct_object(node)
        except (ValueError, OverflowError) as exc:
            self._report(
                node,
                loc,
                "yaml.value",
                f"{node.value!r} looks like a date or number but is not a real one ({exc})",
                "correct it (dates are YYYY-MM-DD), or put it in quotes if it is text",
            )
            return None

    def _report(self, node: yaml.Node, loc: Loc, rule: str, message: str, fix: str) -> None:
        self.findings.append((loc, node.start_mark.line + 1, rule, message, fix))


def invalid(name: str, problems: list[Problem]) -> PolicyInvalid:
    """One error carrying every problem (as dicts in ``details``), the first in its message."""
    count = len(problems)
    first = f"; first: {problems[0]}" if problems else ""
    return PolicyInvalid(
        f"{name}: {count} problem{'s' if count != 1 else ''} found{first}",
        details=[problem.to_dict() for problem in problems],
        hint=f"run `hippocratic policy check {name}` for the full list",
    )

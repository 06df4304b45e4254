"""Where a policy file states each promise. The shipped policies name, in a comment, the
promise each rule keeps (``# S0-76, D-04: obstetric scans are maternity records…``); this reads
those comments back and ties each to the rule it annotates, so the evidence pack can point an
auditor from a promise to the exact key of the policy file, with its line.

A comment at the end of a line annotates that line's key; a block of comment lines annotates
the first key after it. Comments above the first key are about the whole file and tie to none.
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.policy.locator import Loc, Locator
from hippocratic.policy.promise_register import promise_ids


@dataclass(frozen=True)
class PolicyStatement:
    """One place in the policy file that states a promise."""

    line: int
    """The line of the key (1-based)."""
    path: str
    """The key, readably: ``retention[maternity].period``."""
    comment: str
    """The comment that names the promise, without its ``#``."""


def promise_statements(text: str, locator: Locator) -> dict[str, list[PolicyStatement]]:
    """Every promise id named in a comment of the policy ``text`` → the keys that state it."""
    keys = _deepest_key_by_line(locator)
    if not keys:
        return {}
    first_key_line = min(keys)
    found: dict[str, list[PolicyStatement]] = {}
    block: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            if number > first_key_line:
                block.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            continue
        trailing = _trailing_comment(raw)
        loc = keys.get(number)
        if loc is None:
            if block:  # a comment inside a multi-line value: it annotates the value's key
                loc = _key_above(keys, number)
            else:
                continue
        statement_path = locator.path(loc)
        for comment in [*block, *([trailing] if trailing else [])]:
            for promise in promise_ids(comment):
                statements = found.setdefault(promise, [])
                statement = PolicyStatement(locator.line(loc), statement_path, comment)
                if statement not in statements:
                    statements.append(statement)
        block = []
    return found


def _deepest_key_by_line(locator: Locator) -> dict[int, Loc]:
    """For each line that starts a key, the deepest key path there; but a list item whose
    first key is on its line is named as the item (``recipients[google_analytics]``, not its
    ``.key``), and a list written on one line as the list (``permitted_countries``)."""
    by_line: dict[int, Loc] = {}
    for loc, line in locator.lines.items():
        if not loc:
            continue
        known = by_line.get(line)
        if known is None or len(loc) > len(known):
            by_line[line] = loc
    for line, loc in by_line.items():
        parent = loc[:-1]
        if (
            parent
            and locator.lines.get(parent) == line
            and (isinstance(loc[-1], int) or isinstance(parent[-1], int))
        ):
            by_line[line] = parent
    return by_line


def _key_above(keys: dict[int, Loc], number: int) -> Loc:
    above = [line for line in keys if line < number]
    return keys[max(above)] if above else ()


def _trailing_comment(line: str) -> str | None:
    """The comment after a value on ``line``, if any: a ``#`` outside quotes with a space
    before it (YAML's rule: ``a#b`` is text)."""
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and index > 0 and line[index - 1] in " \t":
            return line[index + 1 :].strip()
    return None

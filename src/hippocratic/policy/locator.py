"""Where things are in a policy file: key paths mapped to line numbers, and paths made readable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hippocratic.policy.problem import Problem

Loc = tuple[str | int, ...]
FILE = "(file)"
"""The key path of a problem with the whole file: unreadable, malformed, not a mapping."""


@dataclass
class Locator:
    file: str
    data: Any = None
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest ancestor present in the file."""
        for end in range(len(loc), -1, -1):
            found = self.lines.get(loc[:end])
            if found is not None:
                return found
        return 1

    def path(self, loc: Loc) -> str:
        """``purposes[marketing].consent``: list items are named by their key, name or cookie
        category if they have one, by their position otherwise."""
        text = ""
        node = self.data
        for part in loc:
            if isinstance(part, int):
                name = str(part)
                if isinstance(node, list) and 0 <= part < len(node):
                    node = node[part]
                    name = _item_name(node, name)
                else:
                    node = None
                text += f"[{name}]"
            else:
                text += f".{part}" if text else part
                node = node.get(part) if isinstance(node, dict) else None
        return text or FILE

    def problem(self, loc: Loc, rule: str, message: str, fix: str) -> Problem:
        return Problem(self.file, self.line(loc), self.path(loc), rule, message, fix)


def _item_name(item: Any, default: str) -> str:
    if isinstance(item, dict):
        for member in ("key", "name", "category"):
            value = item.get(member)
            if isinstance(value, str) and value:
                return value
    return default

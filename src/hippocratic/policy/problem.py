"""A problem found in a policy file, located precisely enough for a DPO to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    """The key path, with list items named by their ``key``: ``purposes[marketing].consent``."""
    rule: str
    """A stable rule id, e.g. ``art9.missing``; ``schema.*`` for structural problems."""
    message: str
    """What is wrong."""
    fix: str
    """How to fix it."""

    def to_dict(self) -> dict[str, str | int]:
        """The problem as the JSON envelope's ``error.details`` carries it."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}  {self.path}  [{self.rule}] {self.message} -> {self.fix}"

"""What a retention run reports: its counts by rule, kind and action, and its unverified rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["VERBS", "RunReport"]

VERBS = {
    "delete": "deleted",
    "anonymise": "anonymised",
    "review": "put up for review",
    "dispose": "disposed of after review",
}


@dataclass
class RunReport:
    run_id: str
    organisation: str
    as_of: date
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    """``rule/kind/action`` -> how many items."""
    unverified: list[str] = field(default_factory=list)
    """Rules whose source is not verified in a primary text."""
    shredded: int = 0

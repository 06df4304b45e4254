"""NHS statistical disclosure control for counts and statistics in reports.

Counts of 1-7 are shown as ``*``; other counts are rounded to the nearest 5 (halves up); 0 is
shown as 0. Totals are computed from the unrounded counts and then rounded, never summed from
rounded cells. Where exactly one cell of a row is suppressed and its total is shown, the next
smallest non-zero cell is suppressed too, so the suppressed value cannot be worked back from
the total. Means and medians over 1-7 people are withheld.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SMALL = range(1, 8)
SUPPRESSED = "*"


def round_count(count: int) -> str:
    if count < 0:
        raise ValueError("counts cannot be negative")
    if count == 0:
        return "0"
    if count in SMALL:
        return SUPPRESSED
    return str(int((count + 2.5) // 5 * 5))


@dataclass(frozen=True)
class ProtectedRow:
    cells: dict[str, str]
    total: str


def protect_row(counts: Mapping[str, int]) -> ProtectedRow:
    cells = {name: round_count(count) for name, count in counts.items()}
    suppressed = [name for name, shown in cells.items() if shown == SUPPRESSED]
    if len(suppressed) == 1:
        others = [name for name, count in counts.items() if name not in suppressed and count > 0]
        if others:
            cells[min(others, key=lambda name: counts[name])] = SUPPRESSED
    return ProtectedRow(cells, round_count(sum(counts.values())))


def protect_statistic(values: Sequence[float], kind: str = "mean") -> str:
    """A mean or median, withheld (``*``) when it describes 1-7 people."""
    if len(values) in SMALL:
        return SUPPRESSED
    if not values:
        return "0"
    value = statistics.median(values) if kind == "median" else statistics.fmean(values)
    return f"{value:.1f}"

"""NHS small-number suppression vectors."""

from __future__ import annotations

import pytest

from hippocratic.domain.release.disclosure import protect_row, protect_statistic, round_count


@pytest.mark.promise("S0-83")
@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (1, "*"),
        (7, "*"),
        (8, "10"),
        (12, "10"),
        (13, "15"),
        (22, "20"),
        (23, "25"),
        (100, "100"),
    ],
)
def test_counts(count: int, shown: str) -> None:
    assert round_count(count) == shown


def test_totals_come_from_unrounded_counts() -> None:
    row = protect_row({"a": 12, "b": 12, "c": 12})
    assert row.cells == {"a": "10", "b": "10", "c": "10"}
    assert row.total == "35"  # 36 rounded, not 10 + 10 + 10


@pytest.mark.promise("S0-83")
def test_a_total_cannot_reveal_a_suppressed_cell() -> None:
    row = protect_row({"scan": 3, "other": 40, "none": 0})
    assert row.cells["scan"] == "*"
    assert row.cells["other"] == "*"  # secondary suppression
    assert row.cells["none"] == "0"
    assert row.total == "45"


def test_means_and_medians_over_few_people_are_withheld() -> None:
    assert protect_statistic([30.0, 40.0, 50.0]) == "*"
    assert protect_statistic([float(n) for n in range(10)], "median") == "4.5"
    assert protect_statistic([float(n) for n in range(10)]) == "4.5"

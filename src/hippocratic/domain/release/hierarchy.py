"""Generalisation hierarchies: each value's path from most specific (level 0) to ``*``.

Read from ARX's format (one row per value, ``;``-separated, last column ``*``) or built here
for common UK health data: ages in bands, dates to month/quarter/year, UK postcodes to sector,
district and area, and numbers in bins.

A blank value (empty or spaces only) under a built-in hierarchy is *missing*: it is released
as ``*`` at every level, the raw one included, so the blank rows form one class of their own
that k-anonymity counts like any other (whitespace-only values count as blank too). A value a
built-in cannot read (a date that is not ``YYYY-MM-DD``, an age or number that is not a finite
number, a negative age, a postcode that is not a UK postcode) refuses the release with
``UnparseableValue``, naming the column, the row and what kind of value it is, never the value
itself: it may be personal.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hippocratic.errors import InputError, UnparseableValue

SUPPRESSED = "*"


@dataclass(frozen=True)
class Hierarchy:
    column: str
    levels: dict[str, tuple[str, ...]]
    """value -> its generalisations at levels 1..height (the last is ``*``)."""
    blank_suppressed: bool = False
    """A built-in hierarchy: a blank value is released as ``*`` even at level 0."""

    @property
    def height(self) -> int:
        return len(next(iter(self.levels.values()))) if self.levels else 0

    def generalise(self, value: str, level: int) -> str:
        if level == 0:
            return SUPPRESSED if self.blank_suppressed and not value.strip() else value
        return self.levels[value][level - 1]

    def encode(self, values: npt.NDArray[np.object_]) -> list[npt.NDArray[np.int32]]:
        """Integer codes of every row at every level (level 0 = the raw value)."""
        uniques, inverse = np.unique(values.astype(str), return_inverse=True)
        missing = [v for v in uniques if v not in self.levels]
        if missing:
            uncovered = {str(v) for v in missing}
            row = next(n for n, v in enumerate(values.astype(str), start=1) if v in uncovered)
            first = str(values[row - 1])
            raise InputError(
                f"the hierarchy for {self.column} does not cover {len(missing)} of its values "
                f"(the first at row {row}: {value_kind(first)})",
                field=self.column,
                hint="add a row for each value to the hierarchy file",
                details={"column": self.column, "row": row, "kind": value_kind(first)},
            )
        codes = [inverse.astype(np.int32)]
        for level in range(1, self.height + 1):
            generalised = np.array([self.levels[v][level - 1] for v in uniques], dtype=object)
            _, mapping = np.unique(generalised.astype(str), return_inverse=True)
            codes.append(mapping.astype(np.int32)[inverse])
        return codes


def read_arx(path: Path, column: str) -> Hierarchy:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle, delimiter=";") if row]
    except OSError as exc:
        raise InputError(f"cannot read hierarchy {path}: {exc.strerror}", field=column) from None
    return from_rows(column, rows, str(path))


def from_rows(column: str, rows: Iterable[list[str]], source: str = "hierarchy") -> Hierarchy:
    levels: dict[str, tuple[str, ...]] = {}
    height = None
    for row in rows:
        if row[-1] != SUPPRESSED:
            raise InputError(f"{source}: the row for {row[0]!r} does not end in '*'", field=column)
        if height is not None and len(row) != height:
            raise InputError(f"{source}: rows have different lengths", field=column)
        height = len(row)
        levels[row[0]] = tuple(row[1:])
    if not levels:
        raise InputError(f"{source} is empty", field=column)
    return Hierarchy(column, levels)


def value_kind(value: str) -> str:
    """What a value looks like, without saying what it is: ``10 characters: digits, spaces``."""
    kinds = [
        name
        for name, present in (
            ("letters", any(ch.isalpha() for ch in value)),
            ("digits", any(ch.isdigit() for ch in value)),
            ("spaces", any(ch.isspace() for ch in value)),
            ("punctuation", any(not (ch.isalnum() or ch.isspace()) for ch in value)),
        )
        if present
    ]
    return f"{len(value)} characters: {', '.join(kinds)}"


def built(
    column: str,
    values: Iterable[str],
    steps: list[Callable[[str], str]],
    expected: str = "a value this hierarchy reads",
) -> Hierarchy:
    """Each distinct value's path through ``steps``; ``values`` in row order, so that a value a
    step cannot read is reported by its row (1 = the first data row)."""
    levels: dict[str, tuple[str, ...]] = {}
    for row, value in enumerate(values, start=1):
        if value in levels:
            continue
        if not value.strip():
            levels[value] = tuple(SUPPRESSED for _ in range(len(steps) + 1))
            continue
        try:
            levels[value] = (*(step(value) for step in steps), SUPPRESSED)
        except (ValueError, OverflowError):
            kind = value_kind(value)
            raise UnparseableValue(
                f"row {row} of {column} holds a value of {kind}, which is not {expected}",
                field=column,
                hint=(
                    f"correct row {row} of {column}, or blank it (a blank is released as '*'); "
                    "or give the column a hierarchy file"
                ),
                details={"column": column, "row": row, "kind": kind, "expected": expected},
            ) from None
    return Hierarchy(column, levels, blank_suppressed=True)


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def age_bands(
    column: str, values: Iterable[str], widths: tuple[int, ...] = (5, 10, 20)
) -> Hierarchy:
    def band(width: int) -> Callable[[str], str]:
        def apply(value: str) -> str:
            age = _finite(value)
            if age < 0:
                raise ValueError("a negative age")
            low = int(age) // width * width
            return f"{low}-{low + width - 1}"

        return apply

    return built(column, values, [band(w) for w in widths], "an age in years")


def dates(column: str, values: Iterable[str]) -> Hierarchy:
    def month(value: str) -> str:
        return date.fromisoformat(value).strftime("%Y-%m")

    def quarter(value: str) -> str:
        day = date.fromisoformat(value)
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"

    def year(value: str) -> str:
        return str(date.fromisoformat(value).year)

    return built(column, values, [month, quarter, year], "a date (YYYY-MM-DD)")


_POSTCODE = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)\s*(\d)[A-Z]{2}$")


def uk_postcodes(column: str, values: Iterable[str]) -> Hierarchy:
    """Full postcode -> sector (M14 7) -> district (M14) -> area (M) -> ``*``."""

    def parts(value: str) -> tuple[str, str, str]:
        match = _POSTCODE.match(value.strip().upper())
        if match is None:
            raise ValueError("not a UK postcode")
        return match.group(1), match.group(2), match.group(3)

    return built(
        column,
        values,
        [
            lambda v: "{}{} {}".format(*parts(v)),
            lambda v: "{}{}".format(*parts(v)[:2]),
            lambda v: parts(v)[0],
        ],
        "a full UK postcode",
    )


def numeric_bins(column: str, values: Iterable[str], widths: tuple[float, ...]) -> Hierarchy:
    def binned(width: float) -> Callable[[str], str]:
        def apply(value: str) -> str:
            low = _finite(value) // width * width
            return f"[{low:g}, {low + width:g})"

        return apply

    return built(column, values, [binned(w) for w in widths], "a number")

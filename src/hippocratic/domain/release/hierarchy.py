"""Generalisation hierarchies: each value's path from most specific (level 0) to ``*``.

Read from ARX's format (one row per value, ``;``-separated, last column ``*``) or built here
for common UK health data: ages in bands, dates to month/quarter/year, UK postcodes to sector,
district and area, and numbers in bins.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hippocratic.errors import InputError

SUPPRESSED = "*"


@dataclass(frozen=True)
class Hierarchy:
    column: str
    levels: dict[str, tuple[str, ...]]
    """value -> its generalisations at levels 1..height (the last is ``*``)."""

    @property
    def height(self) -> int:
        return len(next(iter(self.levels.values()))) if self.levels else 0

    def generalise(self, value: str, level: int) -> str:
        if level == 0:
            return value
        return self.levels[value][level - 1]

    def encode(self, values: npt.NDArray[np.object_]) -> list[npt.NDArray[np.int32]]:
        """Integer codes of every row at every level (level 0 = the raw value)."""
        uniques, inverse = np.unique(values.astype(str), return_inverse=True)
        missing = [v for v in uniques if v not in self.levels]
        if missing:
            raise InputError(
                f"the hierarchy for {self.column} does not cover {missing[:5]}",
                field=self.column,
                hint="add a row for each value to the hierarchy file",
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


def built(column: str, values: Iterable[str], steps: list[Callable[[str], str]]) -> Hierarchy:
    return Hierarchy(column, {v: (*(step(v) for step in steps), SUPPRESSED) for v in set(values)})


def age_bands(
    column: str, values: Iterable[str], widths: tuple[int, ...] = (5, 10, 20)
) -> Hierarchy:
    def band(width: int) -> Callable[[str], str]:
        def apply(value: str) -> str:
            low = int(float(value)) // width * width
            return f"{low}-{low + width - 1}"

        return apply

    return built(column, values, [band(w) for w in widths])


def dates(column: str, values: Iterable[str]) -> Hierarchy:
    def month(value: str) -> str:
        return date.fromisoformat(value).strftime("%Y-%m")

    def quarter(value: str) -> str:
        day = date.fromisoformat(value)
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"

    def year(value: str) -> str:
        return str(date.fromisoformat(value).year)

    return built(column, values, [month, quarter, year])


_POSTCODE = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)\s*(\d)[A-Z]{2}$")


def uk_postcodes(column: str, values: Iterable[str]) -> Hierarchy:
    """Full postcode -> sector (M14 7) -> district (M14) -> area (M) -> ``*``."""

    def parts(value: str) -> tuple[str, str, str]:
        match = _POSTCODE.match(value.strip().upper())
        if match is None:
            raise InputError(f"{value!r} is not a UK postcode", field=column)
        return match.group(1), match.group(2), match.group(3)

    return built(
        column,
        values,
        [
            lambda v: "{}{} {}".format(*parts(v)),
            lambda v: "{}{}".format(*parts(v)[:2]),
            lambda v: parts(v)[0],
        ],
    )


def numeric_bins(column: str, values: Iterable[str], widths: tuple[float, ...]) -> Hierarchy:
    def binned(width: float) -> Callable[[str], str]:
        def apply(value: str) -> str:
            low = float(value) // width * width
            return f"[{low:g}, {low + width:g})"

        return apply

    return built(column, values, [binned(w) for w in widths])

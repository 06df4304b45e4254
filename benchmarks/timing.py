"""Timing helpers shared by the benchmarks: medians, p99 and side-by-side ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    name: str
    samples: list[float]  # seconds per operation, one per repetition

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    def line(self, unit: str = "us") -> str:
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
        return (
            f"{self.name:<44} median {self.median * scale:10.2f} {unit}"
            f"   p99 {self.p99 * scale:10.2f} {unit}   (n={len(self.samples)})"
        )


def measure(
    name: str, operation: Callable[[], object], *, repeat: int = 200, inner: int = 1
) -> Timing:
    """Time ``operation`` ``repeat`` times; a sample is the mean of ``inner`` back-to-back calls."""
    for _ in range(min(10, repeat)):
        operation()
    samples: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            operation()
        samples.append((time.perf_counter() - start) / inner)
    return Timing(name, samples)


def ratio(candidate: Timing, baseline: Timing) -> str:
    return (
        f"{candidate.name} / {baseline.name}: {candidate.median / baseline.median:.2f}x (medians)"
    )

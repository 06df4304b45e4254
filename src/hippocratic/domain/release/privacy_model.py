"""Privacy models over equivalence classes: k-anonymity, distinct and entropy l-diversity.

A transformation is evaluated on integer-coded columns: each row's class is a mixed-radix key of
its quasi-identifier codes; classes smaller than k, or not l-diverse, are suppressed, and the
transformation satisfies the models if the suppressed rows fit the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Models:
    k: int
    l_distinct: int = 1
    l_entropy: float = 1.0
    """Entropy l: each class's sensitive-value entropy must be at least log(l)."""
    max_suppression: float = 0.0
    """Share of rows that may be suppressed (0.01 = 1%)."""


@dataclass(frozen=True)
class Evaluation:
    satisfied: bool
    suppressed: npt.NDArray[np.bool_]
    """Per distinct record: whether it is suppressed."""
    classes: int
    min_class: int
    """Smallest class size among the rows released."""
    min_l: int
    """Fewest distinct sensitive values in a released class (0 without a sensitive column)."""


def class_keys(codes: list[npt.NDArray[np.int64]], cardinalities: list[int]) -> IntArray:
    key = codes[0].copy()
    for column, size in zip(codes[1:], cardinalities[1:], strict=True):
        key *= size
        key += column
    return key


def evaluate(
    key: IntArray,
    weights: npt.NDArray[np.float64],
    sensitive: list[npt.NDArray[np.int32]],
    sensitive_sizes: list[int],
    models: Models,
) -> Evaluation:
    """``key`` and ``sensitive`` are per distinct record; ``weights`` say how many rows each
    distinct record stands for, so the cost does not grow with duplicated rows."""
    inverse, _ = pd.factorize(key)  # hashing, not sorting: the hot path of the search
    counts = np.bincount(inverse, weights=weights).astype(np.int64)  # weights are float64
    bad = counts < models.k
    min_l = 0
    for column, size in zip(sensitive, sensitive_sizes, strict=True):
        pair = inverse.astype(np.int64) * size + column
        pair_inverse, pairs = pd.factorize(pair)
        owner = pairs // size
        distinct = np.bincount(owner, minlength=len(counts))
        bad |= distinct < models.l_distinct
        if models.l_entropy > 1.0:
            pair_counts = np.bincount(pair_inverse, weights=weights)
            p = pair_counts / counts[owner]
            entropy = np.bincount(owner, weights=-p * np.log(p), minlength=len(counts))
            bad |= entropy < np.log(models.l_entropy) - 1e-12
        kept = distinct[~bad]
        current = int(kept.min()) if kept.size else 0
        min_l = current if min_l == 0 else min(min_l, current)
    suppressed = bad[inverse]
    total = int(weights.sum())
    allowed = int(np.floor(models.max_suppression * total + 1e-9))
    kept_counts = counts[~bad]
    return Evaluation(
        satisfied=int(weights[suppressed].sum()) <= allowed and kept_counts.size > 0,
        suppressed=suppressed,
        classes=int(kept_counts.size),
        min_class=int(kept_counts.min()) if kept_counts.size else 0,
        min_l=min_l,
    )

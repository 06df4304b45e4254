"""Full-domain generalisation: search the lattice of per-column levels for the transformation
with the least information loss that meets the privacy models within the suppression budget.

The models are monotone along the lattice (generalising further never breaks k-anonymity or
distinct l-diversity), so each evaluation tags many nodes at once: a satisfying node makes every
more general node satisfying, a failing node makes every more specific node fail. From each
untagged node, bottom up, a path of untagged successors is built and binary-searched for its
lowest satisfying node, as in Flash (Kohlmayer et al., 2012), until every node is tagged; then
the loss of every minimal satisfying node is compared. A minimal satisfying node can only be
tagged by evaluating it, and no node is left untagged, so the answer is the optimum over minimal
nodes, not the first node found.

Information loss: precision (Sweeney's Prec) with suppression: the mean over rows and
quasi-identifiers of level/height, a suppressed row counting as fully generalised (1).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hippocratic.domain.release.privacy_model import (
    Evaluation,
    IntArray,
    Models,
    class_keys,
    evaluate,
)

Node = tuple[int, ...]


@dataclass(frozen=True)
class SearchResult:
    node: Node
    evaluation: Evaluation
    suppressed: npt.NDArray[np.bool_]
    """Per input row."""
    loss: float
    nodes: int
    evaluated: int


def _loss(
    node: Node, heights: list[int], evaluation: Evaluation, weights: npt.NDArray[np.float64]
) -> float:
    precision = _precision(node, heights)
    share = float(weights[evaluation.suppressed].sum() / weights.sum())
    return (precision / len(node)) * (1 - share) + share


def _distinct(
    codes: list[list[npt.NDArray[np.int32]]], sensitive: list[npt.NDArray[np.int32]]
) -> tuple[IntArray, npt.NDArray[np.float64], list[list[IntArray]], list[npt.NDArray[np.int32]]]:
    """Collapse identical records (same raw quasi-identifiers and sensitive values) into one
    weighted record: every level is a function of the raw value, so nothing is lost."""
    matrix = np.stack([levels[0] for levels in codes] + list(sensitive), axis=1)
    _, first, inverse, weights = np.unique(
        matrix, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    reduced = [[level[first].astype(np.int64) for level in levels] for levels in codes]
    return (
        inverse.reshape(-1).astype(np.int64),
        weights.astype(np.float64),
        reduced,
        [column[first] for column in sensitive],
    )


def _precision(node: Node, heights: list[int]) -> float:
    return sum(level / height for level, height in zip(node, heights, strict=True) if height)


def search(
    codes: list[list[npt.NDArray[np.int32]]],
    sensitive: list[npt.NDArray[np.int32]],
    models: Models,
    progress: Callable[[int, int], None] | None = None,
) -> SearchResult | None:
    """``codes[q][level]``: row codes of quasi-identifier q at each level (0..height)."""
    rows, weights, distinct_codes, sensitive = _distinct(codes, sensitive)
    heights = [len(levels) - 1 for levels in codes]
    sizes = [[int(level.max()) + 1 for level in levels] for levels in codes]
    sensitive_sizes = [int(column.max()) + 1 for column in sensitive]
    nodes = list(itertools.product(*(range(h + 1) for h in heights)))
    by_height: dict[int, list[Node]] = {}
    for node in nodes:
        by_height.setdefault(sum(node), []).append(node)
    tag: dict[Node, bool] = {}
    results: dict[Node, Evaluation] = {}

    def spread(start: Node, value: bool) -> None:
        step = 1 if value else -1
        stack = [start]
        while stack:
            node = stack.pop()
            for q, level in enumerate(node):
                moved = level + step
                if 0 <= moved <= heights[q]:
                    neighbour = (*node[:q], moved, *node[q + 1 :])
                    if neighbour not in tag:
                        tag[neighbour] = value
                        stack.append(neighbour)

    def check(node: Node) -> bool:
        if node in tag:
            return tag[node]
        key = class_keys(
            [distinct_codes[q][lv] for q, lv in enumerate(node)],
            [sizes[q][lv] for q, lv in enumerate(node)],
        )
        evaluation = evaluate(key, weights, sensitive, sensitive_sizes, models)
        results[node] = evaluation
        tag[node] = evaluation.satisfied
        spread(node, evaluation.satisfied)
        if progress is not None:
            progress(len(tag), len(nodes))
        return evaluation.satisfied

    for height in sorted(by_height):
        for start in by_height[height]:
            if start in tag:
                continue
            path = [start]
            while successors := [
                up
                for q, level in enumerate(path[-1])
                if level < heights[q]
                if (up := (*path[-1][:q], level + 1, *path[-1][q + 1 :])) not in tag
            ]:
                path.append(max(successors, key=lambda up: _precision(up, heights)))
            low, high = 0, len(path) - 1
            while low <= high:
                middle = (low + high) // 2
                if check(path[middle]):
                    high = middle - 1
                else:
                    low = middle + 1
    best: tuple[Node, float] | None = None
    for node, evaluation in results.items():
        if not evaluation.satisfied:
            continue
        minimal = all(
            not tag.get((*node[:q], level - 1, *node[q + 1 :]), False)
            for q, level in enumerate(node)
            if level > 0
        )
        if not minimal:
            continue
        loss = _loss(node, heights, evaluation, weights)
        if best is None or loss < best[1] or (loss == best[1] and node < best[0]):
            best = (node, loss)
    if best is None:
        return None
    node, loss = best
    evaluation = results[node]
    return SearchResult(
        node, evaluation, evaluation.suppressed[rows], loss, len(nodes), len(results)
    )

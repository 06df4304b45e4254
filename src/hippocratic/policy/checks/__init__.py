"""Semantic checks of a well-formed policy, one module per subject; each finding carries a stable
rule id documented in docs/policy.md."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.category import DataCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.locator import Loc

Finding = tuple[Loc, str, str, str]
"""(location, rule id, what is wrong, how to fix it)."""


def category_keys(policy: Policy) -> Iterator[tuple[DataCategory, Loc, str]]:
    """Every fideslang key each category declares, its own first and then each field's, with
    where it is written."""
    for c, category in enumerate(policy.categories):
        yield category, ("categories", c, "data_category"), category.data_category
        for f, field in enumerate(category.fields):
            if field.data_category is not None:
                yield category, ("categories", c, "fields", f, "data_category"), field.data_category

"""Retention: every category has a rule, and every rule passes the retention calculus's check
(rationale, citation, duration, legal source, NHS Code minimums, the organisation's own
promised maximums)."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.domain.retention_catalogue import check_rule
from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy


def check_retention(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        if category.retention is None:
            yield (
                ("categories", c),
                "retention.missing",
                f"category `{category.key}` has no retention rule",
                "add `retention:` naming a rule from the `retention:` section",
            )
    for r, rule in enumerate(policy.retention):
        for problem in check_rule(rule):
            yield (("retention", r, problem.field), problem.rule, problem.message, problem.fix)

"""Special-category data (UK GDPR Art. 9): labelled as such, and never used without a condition."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.category import DataCategory, Sensitivity
from hippocratic.policy.checks import Finding, category_keys
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import SpecialCondition
from hippocratic.policy.taxonomy import is_health, is_special

NEEDS_SCHEDULE_1 = frozenset(
    {
        SpecialCondition.EMPLOYMENT_SOCIAL_SECURITY,
        SpecialCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        SpecialCondition.HEALTH_OR_SOCIAL_CARE,
        SpecialCondition.PUBLIC_HEALTH,
        SpecialCondition.ARCHIVING_RESEARCH,
    }
)
"""Art. 9(2)(b), (g), (h), (i) and (j): each needs a DPA 2018 Sch. 1 condition (s.10)."""


def reveals_health(category: DataCategory) -> bool:
    """Special category, health-revealing, or holding any health or Art. 9 field."""
    return (
        category.special_category
        or category.health_revealing
        or any(is_special(key) for key in category.taxonomy_keys)
    )


def check_special_categories(policy: Policy) -> Iterator[Finding]:
    yield from _labels(policy)
    yield from _conditions(policy)


def _labels(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        if category.special_category and category.sensitivity is not Sensitivity.SPECIAL:
            yield (
                ("categories", c, "sensitivity"),
                "category.sensitivity",
                f"special category `{category.key}` has sensitivity `{category.sensitivity}`",
                "set `sensitivity: special` so it is encrypted and narrowly granted",
            )
    for category, loc, key in category_keys(policy):
        if category.special_category:
            continue
        if is_health(key):
            yield (
                loc,
                "category.health_not_special",
                f"`{key}` is health data but `{category.key}` is not marked special category",
                "set `special_category: true` and `sensitivity: special` (UK GDPR Art. 9(1))",
            )
        elif is_special(key):
            yield (
                loc,
                "category.special_not_marked",
                f"`{key}` is special-category data but `{category.key}` is not marked so",
                "set `special_category: true` and `sensitivity: special` (UK GDPR Art. 9(1))",
            )


def _conditions(policy: Policy) -> Iterator[Finding]:
    for p, purpose in enumerate(policy.purposes):
        used = [
            policy.category_by_key[k] for k in purpose.categories if k in policy.category_by_key
        ]
        special = [category.key for category in used if reveals_health(category)]
        if special and purpose.special_condition is None:
            yield (
                ("purposes", p, "categories"),
                "art9.missing",
                f"uses special-category or health-revealing data ({', '.join(special)}) "
                "without an Art. 9 condition",
                "add `special_condition:` (e.g. health_or_social_care) and `dpa_schedule_1:`",
            )
        if purpose.special_condition in NEEDS_SCHEDULE_1 and not purpose.dpa_schedule_1:
            yield (
                ("purposes", p, "special_condition"),
                "art9.schedule1_missing",
                f"Art. 9 condition `{purpose.special_condition}` needs a DPA 2018 Sch. 1 condition",
                'add `dpa_schedule_1:` e.g. "Sch. 1 Pt 1 para 2 (health or social care purposes)"',
            )

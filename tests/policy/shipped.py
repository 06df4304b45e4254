"""What the shipped-policy tests share: where the files are and three small questions."""

from __future__ import annotations

from pathlib import Path

from hippocratic.policy.document import Policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CLINICAL = frozenset({"medical_history", "scan_record", "maternity_record", "referral"})
"""Harmonic's clinical record categories."""


def reveals_health(policy: Policy, key: str) -> bool:
    category = policy.category_by_key[key]
    return category.special_category or category.health_revealing


def data_category(policy: Policy, field: str) -> str:
    """The field's own fideslang key, or else its category's."""
    return policy.field_by_key[field].data_category or policy.category_of_field[field].data_category


def using(policy: Policy, category: str) -> set[str]:
    """The purposes that use ``category``."""
    return {p.key for p in policy.purposes if category in p.categories}

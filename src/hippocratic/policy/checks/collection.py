"""What is collected and how it is shown: every category serves a purpose, every form field
serves one of its form's purposes, and card numbers show at most their last four digits."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.category import MaskKind
from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy

PCI_MAX_DIGITS = 4
"""PCI DSS v4.0 req. 3.4.1: the PAN is masked when displayed; at most the BIN and last four."""
CARD_CATEGORY = "user.financial.credit_card"


def check_cards(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        for f, field in enumerate(category.fields):
            if not (field.card_number or field.data_category == CARD_CATEGORY):
                continue
            display = field.display
            if display.kind is MaskKind.FULL:
                shown = "the full number"
            elif display.kind is MaskKind.LAST_DIGITS and (display.digits or 0) > PCI_MAX_DIGITS:
                shown = f"the last {display.digits} digits"
            else:
                continue
            yield (
                ("categories", c, "fields", f, "display"),
                "card.display",
                f"card number display shows {shown}",
                "show at most the last four digits: `display: {kind: last_digits, digits: 4}` "
                "(PCI DSS v4.0 req. 3.4.1)",
            )


def check_collection(policy: Policy) -> Iterator[Finding]:
    used = {key for purpose in policy.purposes for key in purpose.categories}
    for c, category in enumerate(policy.categories):
        if category.key not in used:
            yield (
                ("categories", c),
                "category.unused",
                f"category `{category.key}` is collected but no purpose uses it",
                "add it to the purpose it serves, or stop collecting it (Art. 5(1)(b)-(c))",
            )
    for f, form in enumerate(policy.forms):
        covered = {
            key
            for purpose_key in form.purposes
            if (purpose := policy.purpose_by_key.get(purpose_key)) is not None
            for key in purpose.categories
        }
        for index, field_key in enumerate(form.fields):
            holder = policy.category_of_field.get(field_key)
            if holder is not None and holder.key not in covered:
                yield (
                    ("forms", f, "fields", index),
                    "form.field_uncovered",
                    f"field `{field_key}` ({holder.key}) serves none of the form's purposes",
                    "add a purpose that uses this category to the form, or stop collecting "
                    "the field",
                )

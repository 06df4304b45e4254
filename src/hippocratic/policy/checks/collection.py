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


def check_marketing_preference(policy: Policy) -> Iterator[Finding]:
    """S0-106, PECR reg. 22: a form where people give us their email address themselves also
    offers the marketing choice (unticked), so they can say no when they first give it. A form
    filled in by someone else (a GP's referral) does not: only the person can choose."""
    marketing = (
        policy.purpose_by_key.get(policy.marketing.purpose or "") if policy.marketing else None
    )
    if marketing is None:
        return
    choice = [
        field.key
        for category in policy.categories
        if category.key in marketing.categories and not category.special_category
        for field in category.fields
        if category.key not in ("identity", "contact")
    ]
    for f, form in enumerate(policy.forms):
        fields = [policy.field_by_key.get(key) for key in form.fields]
        if "email" not in form.fields or any(
            field is not None and "data_subject" not in field.sources for field in fields
        ):
            continue
        if not any(key in form.fields for key in choice):
            yield (
                ("forms", f, "fields"),
                "form.marketing_preference",
                f"form `{form.key}` takes an email address but offers no marketing choice",
                f"add `{choice[0] if choice else 'marketing_consent'}` (shown unticked) and the "
                f"`{marketing.key}` purpose to the form",
            )

"""The terms each recipient receives data on: the fields it may receive lie within its
categories (S0-65), and a processor has its Art. 28 agreement on file with a review date
(S0-55), so that the disclosure gate has something to hold it to."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy
from hippocratic.policy.recipient import RecipientClass


def check_recipient_terms(policy: Policy) -> Iterator[Finding]:
    category_of = policy.category_of_field
    for r, recipient in enumerate(policy.recipients):
        for index, key in enumerate(recipient.fields):
            category = category_of.get(key)
            if category is None:
                yield (
                    ("recipients", r, "fields", index),
                    "ref.unknown",
                    f"recipient `{recipient.key}` lists field `{key}`, which no category has",
                    "name a field defined under `categories`",
                )
            elif category.key not in recipient.categories:
                yield (
                    ("recipients", r, "fields", index),
                    "recipient.field_outside_categories",
                    f"recipient `{recipient.key}` may get field `{key}`, but not its category "
                    f"`{category.key}`",
                    f"add `{category.key}` to its categories, or remove the field",
                )
        if recipient.recipient_class is not RecipientClass.PROCESSOR:
            continue
        if not recipient.contract_reference:
            yield (
                ("recipients", r),
                "recipient.processor_agreement",
                f"processor `{recipient.key}` has no `contract_reference`",
                "name its data processing agreement with the Art. 28(3) terms",
            )
        if recipient.contract_review_date is None:
            yield (
                ("recipients", r),
                "recipient.processor_agreement",
                f"processor `{recipient.key}` has no `contract_review_date`",
                "set the date by which the agreement is reviewed: after it, the processor "
                "receives nothing until it is reviewed",
            )

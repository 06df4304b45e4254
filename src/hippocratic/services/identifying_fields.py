"""Which of a policy's fields identify a patient directly, for the release engine's check.

A field is a direct identifier when the policy says so: its category is of ``identity``
sensitivity, or the field is an exact-match ``identifier`` (NHS number, email, phone), or its
fideslang key is a name, contact detail, government or unique id, device address or location.
Demographic fields are not direct identifiers, except a date of birth, which may be released as
a generalised quasi-identifier only (``quasi``). Gender and other demographics are left to the
spec author's judgement as quasi-identifiers.
"""

from __future__ import annotations

from hippocratic.domain.release.direct_identifier import Classified
from hippocratic.policy.category import Sensitivity
from hippocratic.policy.document import Policy

IDENTIFYING_TAXONOMY = (
    "user.name",
    "user.contact",
    "user.government_id",
    "user.unique_id",
    "user.device.ip_address",
    "user.location",
    "user.authorization",
)
DATE_OF_BIRTH = "user.demographic.date_of_birth"


def classified_fields(policy: Policy) -> list[Classified]:
    out: list[Classified] = []
    for category in policy.categories:
        for field in category.fields:
            key = field.data_category or category.data_category
            quasi = key == DATE_OF_BIRTH
            if key.startswith("user.demographic") and not quasi:
                continue
            identifying = (
                quasi
                or field.identifier
                or category.sensitivity is Sensitivity.IDENTITY
                or any(key == root or key.startswith(f"{root}.") for root in IDENTIFYING_TAXONOMY)
            )
            if identifying:
                out.append(
                    Classified(
                        column=field.key,
                        kind=field.title,
                        detail=(
                            f"the policy's field {field.key} in {category.key} "
                            f"({category.sensitivity.value}, {key})"
                        ),
                        quasi=quasi,
                    )
                )
    return out

"""What a person typed, checked field by field before anything is decided or stored: only
fields the policy defines, each checked by its kind (email, phone, NHS number, date of birth,
free text), and never a card number, in any field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from hippocratic.domain.personal_detail import DetailKind, clean
from hippocratic.errors import InputError
from hippocratic.policy.document import Policy


def detail_kind(policy: Policy, field: str) -> DetailKind:
    """How a field's values are checked, from its fideslang data category."""
    spec = policy.field_by_key[field]
    category = spec.data_category or policy.category_of_field[field].data_category
    if category.startswith("user.contact.email"):
        return DetailKind.EMAIL
    if category.startswith("user.contact.phone_number"):
        return DetailKind.PHONE
    if category.startswith("user.government_id") and "nhs" in field:
        return DetailKind.NHS_NUMBER
    if category == "user.demographic.date_of_birth":
        return DetailKind.DATE_OF_BIRTH
    return DetailKind.TEXT


def clean_values(policy: Policy, values: Mapping[str, object], today: date) -> dict[str, str]:
    """Each value in its stored form; ``InputError`` for the first field that is not one the
    policy defines, is a card field (cards are kept only as a processor token), or is bad."""
    cleaned: dict[str, str] = {}
    for field, value in values.items():
        spec = policy.field_by_key.get(field)
        if spec is None:
            raise InputError(
                f"“{field}” is not something {policy.organisation.display_name} records",
                field=field,
                hint="only the fields in the privacy notice can be stored",
            )
        if spec.card_number:
            raise InputError(
                f"{spec.title} is never stored: card payments are taken by the card provider",
                field=field,
                hint="record the payment with the processor's token and the last four digits",
            )
        if not isinstance(value, str):
            raise InputError(f"{spec.title} must be text", field=field)
        cleaned[field] = clean(detail_kind(policy, field), value, field, today)
    return cleaned

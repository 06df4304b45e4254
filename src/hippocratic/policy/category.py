"""Data categories and the fields in them: what is collected, why, from where, and how sensitive."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field as PydanticField

from hippocratic.policy.model import Key, PolicyModel, Text


class Sensitivity(StrEnum):
    PERSONAL = "personal"
    IDENTITY = "identity"
    """Identifies the person directly: encrypted at rest under the subject's key."""
    CONFIDENTIAL = "confidential"
    """Payment and financial data (PCI DSS for card data)."""
    SPECIAL = "special"
    """Special category (Art. 9): encrypted at rest under the subject's key."""


class Source(StrEnum):
    DATA_SUBJECT = "data_subject"
    REFERRER = "referrer"
    THIRD_PARTY = "third_party"
    PUBLIC_SOURCE = "public_source"
    DEVICE = "device"
    """Collected automatically from the visitor's browser or device."""
    GENERATED = "generated"
    """Created by the organisation, e.g. a scan report or an invoice."""


class MaskKind(StrEnum):
    FULL = "full"
    LAST_DIGITS = "last_digits"
    REDACTED = "redacted"


class Display(PolicyModel):
    """How a field is shown to someone allowed to see it. Cards: last four digits at most."""

    kind: MaskKind = MaskKind.FULL
    digits: int | None = PydanticField(default=None, ge=1, le=19)


class Field(PolicyModel):
    key: Key
    title: Text
    required: bool
    """True if the service cannot be provided without it; False if optional."""
    why: Text
    """The 'why we ask' text shown beside the field on forms (just-in-time notice)."""
    sources: list[Source] = PydanticField(min_length=1)
    identifier: bool = False
    """Exact-match searchable through a keyed blind index (NHS number, email, phone)."""
    card_number: bool = False
    """A payment card number (PAN): stored only as a processor token, displayed last four only."""
    display: Display = Display()
    data_category: str | None = None
    """A more specific fideslang key than the category's, where the field needs one."""


class DataCategory(PolicyModel):
    key: Key
    title: Text
    description: Text
    data_category: Text
    """The fideslang data-category key, e.g. ``user.health_and_medical.imaging``."""
    special_category: bool = False
    health_revealing: bool = False
    """Not health data on its face but reveals it, e.g. the type of scan bought (D-02)."""
    sensitivity: Sensitivity
    retention: Key | None = None
    """The retention rule that governs this category's records."""
    fields: list[Field] = PydanticField(min_length=1)

    @property
    def taxonomy_keys(self) -> list[str]:
        """The category's fideslang key and each field's own, where a field has one."""
        return [self.data_category, *(f.data_category for f in self.fields if f.data_category)]

    @property
    def encrypted(self) -> bool:
        """Identity, special-category and confidential (payment, financial) data are ciphertext
        at rest under the subject's key (invariant 2), so erasing the key erases them too."""
        return self.special_category or self.sensitivity is not Sensitivity.PERSONAL

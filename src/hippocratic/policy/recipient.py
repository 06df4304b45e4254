"""Who personal data goes to, on what terms, and where (Art. 13(1)(e)-(f), 28, 44-46)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text

UK_AND_EEA = frozenset(
    {"GB", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
    | {"IS", "LI", "NO"}
)
"""The UK and the EEA (EU 27 plus Iceland, Liechtenstein, Norway): no restricted transfer."""


class RecipientClass(StrEnum):
    PROCESSOR = "processor"
    CONTROLLER = "controller"
    HEALTHCARE_PROVIDER = "healthcare_provider"
    REGULATOR = "regulator"
    FRAUD_PREVENTION = "fraud_prevention"
    PAYMENT_PROVIDER = "payment_provider"
    ANALYTICS = "analytics"
    ADVERTISER = "advertiser"
    SUCCESSOR = "successor"
    """An acquirer of the business (S0-62)."""


class TransferSafeguard(StrEnum):
    NONE = "none"
    """No restricted transfer: the recipient is in the UK or a permitted country."""
    ADEQUACY = "adequacy"
    UK_US_DATA_BRIDGE = "uk_us_data_bridge"
    IDTA = "idta"
    ADDENDUM = "addendum"
    BINDING_CORPORATE_RULES = "binding_corporate_rules"


class Recipient(PolicyModel):
    key: Key
    name: Text
    recipient_class: RecipientClass = Field(alias="class")
    description: Text
    country: str = Field(default="GB", pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 code of where the data is processed."""
    transfer_safeguard: TransferSafeguard = TransferSafeguard.NONE
    contract_reference: str | None = None
    """The contract or Art. 28 data processing agreement."""
    contract_review_date: date | None = None
    categories: list[Key] = Field(default_factory=list)
    purposes: list[Key] = Field(default_factory=list)
    notify_before_sharing: bool = False
    """The subject is told before each disclosure (S0-56, D-18)."""
    aggregated_only: bool = False
    """Receives only anonymised or aggregated data (S0-68, D-08)."""

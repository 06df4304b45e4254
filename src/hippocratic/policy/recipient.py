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


class Assurance(PolicyModel):
    """A security assurance a processor holds, with when it lapses (S1-20): an ISO/IEC 27001
    certificate, a DSPT assessment, a penetration test report."""

    name: Text
    reference: Text
    expires_on: date
    """The day after which the assurance no longer holds: no data goes to the processor."""


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
    assurances: list[Assurance] = Field(default_factory=list)
    """A processor's security assurances; one that has expired stops every disclosure to it."""
    categories: list[Key] = Field(default_factory=list)
    fields: list[Key] = Field(default_factory=list)
    """The fields it may receive, where it needs fewer than its categories hold (S0-65: a
    mailing house gets a name and an address); none listed: every field of its categories."""
    purposes: list[Key] = Field(default_factory=list)
    to_referrer: bool = False
    """It is whoever referred the patient: a disclosure names the referral and goes to the
    referrer on it, never to anyone else (S0-74)."""
    notify_before_sharing: bool = False
    """The subject is told before each disclosure (S0-56, D-18)."""
    aggregated_only: bool = False
    """Receives only anonymised or aggregated data (S0-68, D-08)."""

    def may_receive(self, field: str, category: str) -> bool:
        """Whether ``field`` (of ``category``) is within what this recipient may receive."""
        return category in self.categories and (not self.fields or field in self.fields)

    def agreement_lapsed(self, today: date) -> str | None:
        """Why a processor may receive nothing today (S0-55, S1-20), or None: no Art. 28
        agreement on file, its review date passed, or a security assurance expired."""
        if self.recipient_class is not RecipientClass.PROCESSOR:
            return None
        if not self.contract_reference or self.contract_review_date is None:
            return "has no data processing agreement on file (UK GDPR Art. 28(3))"
        if self.contract_review_date < today:
            return (
                f"has a data processing agreement whose review date "
                f"({self.contract_review_date.isoformat()}) has passed"
            )
        for assurance in self.assurances:
            if assurance.expires_on < today:
                return f"has an expired assurance: {assurance.name} ({assurance.reference})"
        return None

"""Data-category and data-use keys: fideslang's taxonomy, extended with health children.

fideslang has ``user.health_and_medical`` but few finer health keys; a clinic needs to say which
health data it holds (scans, pregnancy, referrals), so Hippocratic adds children under it.
"""

from __future__ import annotations

import difflib
from functools import cache

HEALTH = "user.health_and_medical"

HEALTH_EXTENSIONS: dict[str, str] = {
    f"{HEALTH}.imaging": "Diagnostic images such as ultrasound scans",
    f"{HEALTH}.report": "Clinical reports, e.g. a sonographer's scan report",
    f"{HEALTH}.pregnancy": "Pregnancy and maternity information",
    f"{HEALTH}.medical_history": "Medical history given by or about the patient",
    f"{HEALTH}.referral": "Referral letters and the clinical question asked",
    f"{HEALTH}.enquiry": "Health details volunteered in an enquiry",
    f"{HEALTH}.service_purchased": "The type of service bought, which reveals health",
    f"{HEALTH}.diagnosis": "A diagnosis or clinical finding",
    f"{HEALTH}.treatment": "Treatment given or planned, and treatment notes",
    f"{HEALTH}.medication": "Medicines taken or prescribed, and allergies to them",
    f"{HEALTH}.test_result": "Results of tests and measurements",
}
"""Hippocratic's health children of ``user.health_and_medical``, with what each holds."""

SPECIAL_CATEGORY_ROOTS: tuple[str, ...] = (
    HEALTH,
    "user.biometric",
    "user.authorization.biometric",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.demographic.political_opinion",
)
"""fideslang keys whose data is special category under UK GDPR Art. 9(1), with their children."""

IDENTIFYING_ROOTS: tuple[str, ...] = (
    "user.name",
    "user.contact",
    "user.unique_id",
    "user.government_id",
    "user.account.username",
    "user.authorization.credentials",
    "user.financial.bank_account",
    "user.financial.credit_card",
    "user.device.cookie_id",
    "user.device.device_id",
    "user.device.ip_address",
)
"""fideslang keys whose data names or singles out a person: identifiers, including the online
identifiers UK GDPR Art. 4(1) and Recital 30 name (IP addresses, cookie and device ids)."""


@cache
def data_categories() -> frozenset[str]:
    """Every data-category key a policy may use."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    keys = {category.fides_key for category in DEFAULT_TAXONOMY.data_category}
    return frozenset(keys | HEALTH_EXTENSIONS.keys())


@cache
def data_uses() -> frozenset[str]:
    """Every data-use key a policy may use."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(use.fides_key for use in DEFAULT_TAXONOMY.data_use)


def _under(key: str, root: str) -> bool:
    return key == root or key.startswith(f"{root}.")


def is_health(data_category: str) -> bool:
    """Health data (Art. 4(15)): ``user.health_and_medical`` and its children, health biometrics."""
    return _under(data_category, HEALTH) or _under(data_category, "user.biometric.health")


def is_special(data_category: str) -> bool:
    """Special-category data (Art. 9(1)): health, genetic, biometric, ethnicity, beliefs, ..."""
    return any(_under(data_category, root) for root in SPECIAL_CATEGORY_ROOTS)


def is_identifying(data_category: str) -> bool:
    """A direct or online identifier (Art. 4(1)): name, contact, ids, IP address, ..."""
    return any(_under(data_category, root) for root in IDENTIFYING_ROOTS)


def suggestion(key: str, known: frozenset[str]) -> str:
    """'did you mean ...?' for a misspelt key, or where to look."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "use a key from the fideslang taxonomy"

"""Data-category and data-use keys: fideslang's taxonomy, extended with health children.

fideslang has ``user.health_and_medical`` but no finer health keys; a clinic needs to say which
health data it holds (scans, pregnancy, referrals), so Hippocratic adds children under it.
"""

from __future__ import annotations

import difflib
from functools import cache

HEALTH_EXTENSIONS: dict[str, str] = {
    "user.health_and_medical.imaging": "Diagnostic images such as ultrasound scans",
    "user.health_and_medical.report": "Clinical reports, e.g. a sonographer's scan report",
    "user.health_and_medical.pregnancy": "Pregnancy and maternity information",
    "user.health_and_medical.medical_history": "Medical history given by or about the patient",
    "user.health_and_medical.referral": "Referral letters and the clinical question asked",
    "user.health_and_medical.enquiry": "Health details volunteered in an enquiry",
    "user.health_and_medical.service_purchased": "The type of service bought, which reveals health",
}


@cache
def data_categories() -> frozenset[str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    keys = {category.fides_key for category in DEFAULT_TAXONOMY.data_category}
    return frozenset(keys | HEALTH_EXTENSIONS.keys())


@cache
def data_uses() -> frozenset[str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(use.fides_key for use in DEFAULT_TAXONOMY.data_use)


def is_health(data_category: str) -> bool:
    return data_category == "user.health_and_medical" or data_category.startswith(
        ("user.health_and_medical.", "user.biometric.health")
    )


def suggestion(key: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "use a key from the fideslang taxonomy"

"""Purposes (processing activities) with their lawful bases: the closed list of uses (D-25)."""

from __future__ import annotations

import json
from enum import StrEnum
from hashlib import sha256

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text
from hippocratic.policy.retention import Period


class LawfulBasis(StrEnum):
    """UK GDPR Art. 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class SpecialCondition(StrEnum):
    """UK GDPR Art. 9(2)(a)-(j)."""

    EXPLICIT_CONSENT = "explicit_consent"
    EMPLOYMENT_SOCIAL_SECURITY = "employment_social_security"
    VITAL_INTERESTS = "vital_interests"
    NOT_FOR_PROFIT = "not_for_profit"
    MADE_PUBLIC = "made_public"
    LEGAL_CLAIMS = "legal_claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "substantial_public_interest"
    HEALTH_OR_SOCIAL_CARE = "health_or_social_care"
    PUBLIC_HEALTH = "public_health"
    ARCHIVING_RESEARCH = "archiving_research"


class ConsentSpec(PolicyModel):
    """What the person is asked, in the words they see, and how they withdraw (Art. 7)."""

    wording: Text
    withdrawal: Text
    channels: list[Key] = Field(default_factory=list)
    """Per-channel consent, e.g. email, sms, post, phone (marketing)."""
    expires_after: Period | None = None
    """Consent that lapses this long after it was given, unless given again."""


class Purpose(PolicyModel):
    key: Key
    title: Text
    description: Text
    data_use: Text
    """The fideslang data-use key, e.g. ``essential.service`` or ``marketing.communications``."""
    lawful_basis: LawfulBasis
    special_condition: SpecialCondition | None = None
    dpa_schedule_1: str | None = None
    """The DPA 2018 Sch. 1 condition where Art. 9(2)(b), (g), (h), (i) or (j) needs one."""
    legal_citation: str | None = None
    """The law that imposes the obligation or task (legal obligation or public task)."""
    legitimate_interests_assessment: str | None = None
    """Reference to the LIA where the basis is legitimate interests."""
    consent: ConsentSpec | None = None
    categories: list[Key] = Field(min_length=1)
    data_subjects: list[Text] = Field(default_factory=lambda: ["patients"])
    """Whose data this is, for the Article 30 record: patients, website visitors, referrers."""
    recipients: list[Key] = Field(default_factory=list)
    retention: Key | None = None
    """A retention rule specific to this purpose, where it differs from its categories'."""
    automated_decision: bool = False
    """Makes decisions with legal or similar effect without a person (Art. 22)."""
    profiling: bool = False
    high_risk: bool = False
    """Likely to result in a high risk to people (Art. 35(1), (3); the ICO's list): it needs a
    data protection impact assessment before it starts (L-05)."""
    dpia: str | None = None
    """Reference to the data protection impact assessment (Art. 35(7))."""
    national_data_opt_out: bool = False
    """A research or planning purpose (not individual care): releases for it leave out every
    patient who registered the NHS national data opt-out (L-14)."""

    @property
    def consent_required(self) -> bool:
        return (
            self.lawful_basis is LawfulBasis.CONSENT
            or self.special_condition is SpecialCondition.EXPLICIT_CONSENT
        )

    def consent_terms(self) -> str:
        """The SHA-256 (hex) of what a consent to this purpose agrees to: the words asked, the
        basis, the use, the categories, the recipients and whether it profiles or decides
        automatically. A new policy that changes any of them changes this, and every consent
        given under the old terms needs reconfirming before the processing resumes; a change
        to the title, the description or the withdrawal route does not."""
        terms = {
            "wording": self.consent.wording if self.consent else None,
            "lawful_basis": self.lawful_basis.value,
            "special_condition": self.special_condition.value if self.special_condition else None,
            "data_use": self.data_use,
            "categories": sorted(self.categories),
            "recipients": sorted(self.recipients),
            "profiling": self.profiling,
            "automated_decision": self.automated_decision,
        }
        text = json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return sha256(text.encode("utf-8")).hexdigest()

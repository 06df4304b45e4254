"""Art. 6 bases that need something on record: a citation, an assessment, consent wording."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis
from hippocratic.policy.settings import MarketingModel


def check_lawful_bases(policy: Policy) -> Iterator[Finding]:
    for p, purpose in enumerate(policy.purposes):
        basis = purpose.lawful_basis
        if (
            basis in (LawfulBasis.LEGAL_OBLIGATION, LawfulBasis.PUBLIC_TASK)
            and not (purpose.legal_citation or "").strip()
        ):
            yield (
                ("purposes", p, "lawful_basis"),
                "basis.citation_missing",
                f"`{basis}` needs the law that imposes it (Art. 6(3))",
                "add `legal_citation:` naming the statute, regulation or official task",
            )
        if (
            basis is LawfulBasis.LEGITIMATE_INTERESTS
            and not (purpose.legitimate_interests_assessment or "").strip()
        ):
            yield (
                ("purposes", p, "lawful_basis"),
                "basis.lia_missing",
                "legitimate interests needs a legitimate-interests assessment",
                "add `legitimate_interests_assessment:` with the LIA's reference",
            )
        if purpose.consent_required and purpose.consent is None:
            yield (
                ("purposes", p, "lawful_basis"),
                "consent.wording_missing",
                "a consent purpose has no consent wording",
                "add `consent: {wording: ..., withdrawal: ...}` in the words the patient sees",
            )
    yield from _marketing(policy)


def _marketing(policy: Policy) -> Iterator[Finding]:
    """Opt-in marketing (the default model, D-01) runs only on consent (PECR reg. 22): the
    purpose named in ``marketing.purpose`` and every purpose whose data use is marketing."""
    marketing = policy.marketing
    if marketing is not None and marketing.model is not MarketingModel.OPT_IN:
        return
    named = policy.purpose_by_key.get(marketing.purpose or "") if marketing else None
    if named is not None and named.lawful_basis is not LawfulBasis.CONSENT:
        yield (
            ("marketing", "purpose"),
            "marketing.consent_missing",
            f"opt-in marketing runs under `{named.key}`, whose basis is {named.lawful_basis}",
            FIX_MARKETING,
        )
    for p, purpose in enumerate(policy.purposes):
        if (
            purpose is not named
            and _is_marketing(purpose.data_use)
            and purpose.lawful_basis is not LawfulBasis.CONSENT
        ):
            yield (
                ("purposes", p, "lawful_basis"),
                "marketing.consent_missing",
                f"`{purpose.data_use}` purpose under opt-in marketing has basis "
                f"{purpose.lawful_basis}",
                FIX_MARKETING,
            )


FIX_MARKETING = (
    "make the marketing purpose's `lawful_basis: consent` (PECR reg. 22), "
    "or declare `marketing: {model: soft_opt_in}` where the soft opt-in truly applies"
)


def _is_marketing(data_use: str) -> bool:
    return data_use == "marketing" or data_use.startswith("marketing.")

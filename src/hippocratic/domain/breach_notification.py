"""Who must be told of a personal data breach: the ICO (UK GDPR Art. 33(1)) and the people it
affects (Art. 34(1), or the organisation's stricter promise, D-12).

- The ICO is told of every breach unless it is unlikely to result in a risk to people's rights
  and freedoms. That rule is fixed: no setting changes it.
- The people affected are told, by law, when the breach is likely to result in a *high* risk,
  unless the data was unintelligible to whoever got it (encrypted with a key they do not have,
  or its key shredded: Art. 34(3)(a)). An organisation whose notice promises to tell people of
  "a breach, or a likely breach" (threshold ``any_confirmed_or_likely``) tells them of every
  confirmed or likely breach, whatever the risk; its notice makes no exception for encrypted
  data, so the exception is recorded but does not lift that promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ANY_CONFIRMED_OR_LIKELY = "any_confirmed_or_likely"
"""The policy's ``breach.subject_notification`` value of the stricter promise (the other is
``high_risk``, the legal minimum)."""


class BreachFinding(StrEnum):
    CONFIRMED = "confirmed"
    LIKELY = "likely"
    """Not proven, but more likely than not: treated as a breach (S0-122)."""
    NONE = "none"
    """Looked into and found not to be a personal data breach."""


class RiskLevel(StrEnum):
    NO_RISK = "no_risk"
    """Unlikely to result in a risk to people's rights and freedoms (Art. 33(1))."""
    RISK = "risk"
    HIGH_RISK = "high_risk"


@dataclass(frozen=True)
class NotificationDuty:
    ico: bool
    subjects: bool
    why: tuple[str, ...]


def notification_duty(
    threshold: str,
    finding: BreachFinding,
    risk: RiskLevel,
    encrypted: bool,
) -> NotificationDuty:
    """Whether the ICO and the people affected must be told, and why, in words for the
    register."""
    if finding is BreachFinding.NONE:
        return NotificationDuty(False, False, ("not a personal data breach: nobody is told",))
    why: list[str] = []
    ico = risk is not RiskLevel.NO_RISK
    why.append(
        "the ICO is told within 72 hours of awareness (Art. 33(1))"
        if ico
        else "unlikely to result in a risk: not reported to the ICO, the reasoning recorded "
        "(Art. 33(1), 33(5))"
    )
    if threshold == ANY_CONFIRMED_OR_LIKELY:
        why.append(
            "the people affected are told of every confirmed or likely breach, as the privacy "
            "notice promises"
            + (" (the encryption exception does not lift that promise)" if encrypted else "")
        )
        return NotificationDuty(ico, True, tuple(why))
    if risk is not RiskLevel.HIGH_RISK:
        why.append("no high risk to the people affected: they need not be told (Art. 34(1))")
        return NotificationDuty(ico, False, tuple(why))
    if encrypted:
        why.append(
            "high risk, but the data was unintelligible to whoever got it: the people affected "
            "need not be told (Art. 34(3)(a))"
        )
        return NotificationDuty(ico, False, tuple(why))
    why.append("high risk: the people affected are told without undue delay (Art. 34(1))")
    return NotificationDuty(ico, True, tuple(why))

"""Organisation-wide settings for marketing, rights requests, breaches and security measures."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text
from hippocratic.policy.role import Role


class MarketingModel(StrEnum):
    OPT_IN = "opt_in"
    SOFT_OPT_IN = "soft_opt_in"
    """PECR reg. 22(3): existing customers, similar services, opt-out offered each time."""


class Marketing(PolicyModel):
    model: MarketingModel = MarketingModel.OPT_IN
    channels: list[Key] = Field(default_factory=lambda: ["email"])
    purpose: Key | None = None
    """The purpose under which marketing runs."""
    campaign_retention: Key | None = None
    """The retention rule for campaign-performance data."""
    suppression_list: bool = True
    """After an opt-out, keep a minimal entry so the opt-out is honoured (D-03)."""


class RightName(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED_DECISION_REVIEW = "automated_decision_review"
    INFORMATION = "information"
    """Ask about my data: how, why and by whom it is used (Arts. 12(1), 13-14), in writing."""
    WITHDRAW_CONSENT = "withdraw_consent"
    COMPLAIN = "complain"


class FeeRule(StrEnum):
    FREE = "free"
    REASONABLE_FEE_IF_MANIFESTLY_UNFOUNDED_OR_EXCESSIVE = "reasonable_fee_if_unfounded_or_excessive"


class IdentityCheck(StrEnum):
    REASONABLE_DOUBT = "reasonable_doubt"
    """Ask for proof only where there is reasonable doubt (Art. 12(6), D-32)."""
    ALWAYS = "always"


class Rights(PolicyModel):
    offered: list[RightName] = Field(default_factory=lambda: list(RightName))
    purpose: Key | None = None
    """The purpose under which requests are handled, and under which a patient signed in to
    the portal reads their own record (Art. 15): its categories are what the patient sees.
    Without one, requests are taken and timed but nothing is read for them."""
    deadline: Text = "one_calendar_month"
    extension_allowed: bool = True
    fee: FeeRule = FeeRule.FREE
    identity_check: IdentityCheck = IdentityCheck.REASONABLE_DOUBT
    channels: list[Text] = Field(default_factory=lambda: ["email", "post"])


class BreachNotificationThreshold(StrEnum):
    ANY_CONFIRMED_OR_LIKELY = "any_confirmed_or_likely"
    HIGH_RISK = "high_risk"


class Breach(PolicyModel):
    subject_notification: BreachNotificationThreshold = BreachNotificationThreshold.HIGH_RISK
    incident_team: list[Key] = Field(default_factory=list)
    """The roles of the incident team (S1-25): an incident is assessed only once someone on
    staff in one of them owns it. None listed: the roles marked ``dpo: true``."""

    def team(self, roles: list[Role]) -> list[str]:
        """The incident team's role keys, as listed or, where none are, the DPO's."""
        return list(self.incident_team) or [role.key for role in roles if role.dpo]


class AccessLog(PolicyModel):
    """What the web server keeps of who connected (S0-10): the request log holds no address at
    all; the security log of sign-in attempts holds the full IP address, for security only,
    for this many days, then the daily jobs delete it. Neither is linked to a patient."""

    ip_retention_days: int = Field(default=14, ge=1, le=90)


class SecurityMeasure(PolicyModel):
    key: Key
    title: Text
    description: Text

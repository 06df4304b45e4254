"""Plain-English wording for the legal terms a notice must state, with the article behind each."""

from __future__ import annotations

from hippocratic.policy.category import Source
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import RecipientClass, TransferSafeguard
from hippocratic.policy.retention import Period, RetentionAction, RetentionRule, RetentionTrigger
from hippocratic.policy.settings import FeeRule, IdentityCheck, RightName

LAWFUL_BASIS = {
    LawfulBasis.CONSENT: "your consent (UK GDPR Art. 6(1)(a))",
    LawfulBasis.CONTRACT: "performing our contract with you, or steps you asked for before one "
    "(UK GDPR Art. 6(1)(b))",
    LawfulBasis.LEGAL_OBLIGATION: "a legal obligation we must meet (UK GDPR Art. 6(1)(c))",
    LawfulBasis.VITAL_INTERESTS: "protecting someone's life (UK GDPR Art. 6(1)(d))",
    LawfulBasis.PUBLIC_TASK: "a task in the public interest (UK GDPR Art. 6(1)(e))",
    LawfulBasis.LEGITIMATE_INTERESTS: "our legitimate interests, balanced against yours "
    "(UK GDPR Art. 6(1)(f))",
}

SPECIAL_CONDITION = {
    SpecialCondition.EXPLICIT_CONSENT: "your explicit consent (UK GDPR Art. 9(2)(a))",
    SpecialCondition.EMPLOYMENT_SOCIAL_SECURITY: "employment and social security law "
    "(UK GDPR Art. 9(2)(b))",
    SpecialCondition.VITAL_INTERESTS: "protecting someone's life (UK GDPR Art. 9(2)(c))",
    SpecialCondition.NOT_FOR_PROFIT: "a not-for-profit body's activities (UK GDPR Art. 9(2)(d))",
    SpecialCondition.MADE_PUBLIC: "information you have made public (UK GDPR Art. 9(2)(e))",
    SpecialCondition.LEGAL_CLAIMS: "legal claims and court proceedings (UK GDPR Art. 9(2)(f))",
    SpecialCondition.SUBSTANTIAL_PUBLIC_INTEREST: "substantial public interest "
    "(UK GDPR Art. 9(2)(g))",
    SpecialCondition.HEALTH_OR_SOCIAL_CARE: "providing health care and managing health services "
    "(UK GDPR Art. 9(2)(h))",
    SpecialCondition.PUBLIC_HEALTH: "public health (UK GDPR Art. 9(2)(i))",
    SpecialCondition.ARCHIVING_RESEARCH: "archiving, research or statistics (UK GDPR Art. 9(2)(j))",
}

RECIPIENT_CLASS = {
    RecipientClass.PROCESSOR: "Processor acting on our instructions under a contract (Art. 28)",
    RecipientClass.CONTROLLER: "Another organisation deciding its own use",
    RecipientClass.HEALTHCARE_PROVIDER: "Healthcare provider involved in your care",
    RecipientClass.REGULATOR: "Authority or regulator, where the law requires",
    RecipientClass.FRAUD_PREVENTION: "Fraud prevention agency",
    RecipientClass.PAYMENT_PROVIDER: "Payment provider",
    RecipientClass.ANALYTICS: "Analytics provider (no health data)",
    RecipientClass.ADVERTISER: "Advertising partner (aggregated data only, no health data)",
    RecipientClass.SUCCESSOR: "A buyer of our business",
}

TRANSFER_SAFEGUARD = {
    TransferSafeguard.NONE: "no restricted transfer",
    TransferSafeguard.ADEQUACY: "UK adequacy regulations for that country",
    TransferSafeguard.UK_US_DATA_BRIDGE: "the UK-US data bridge (UK Extension to the EU-US Data "
    "Privacy Framework), for certified US organisations",
    TransferSafeguard.IDTA: "the ICO's International Data Transfer Agreement",
    TransferSafeguard.ADDENDUM: "the ICO's Addendum to the EU standard contractual clauses",
    TransferSafeguard.BINDING_CORPORATE_RULES: "binding corporate rules approved by the ICO",
}

SOURCE = {
    Source.DATA_SUBJECT: "you",
    Source.REFERRER: "your referrer",
    Source.THIRD_PARTY: "someone acting for you",
    Source.PUBLIC_SOURCE: "public sources",
    Source.DEVICE: "your device",
    Source.GENERATED: "us, during your care",
}

RIGHT = {
    RightName.ACCESS: ("Access", "Ask for a copy of the personal data we hold about you."),
    RightName.RECTIFICATION: ("Rectification", "Ask us to correct or complete your data."),
    RightName.ERASURE: (
        "Erasure",
        "Ask us to delete your data where we no longer need it or relied on your consent; "
        "health records we must keep by law are kept for their minimum period.",
    ),
    RightName.RESTRICTION: ("Restriction", "Ask us to only store your data, and not use it."),
    RightName.PORTABILITY: (
        "Portability",
        "Receive data you gave us in a structured, machine-readable form, or have us send it to "
        "another organisation.",
    ),
    RightName.OBJECTION: (
        "Objection",
        "Object to our use of your data based on legitimate interests, and to direct marketing at "
        "any time.",
    ),
    RightName.AUTOMATED_DECISION_REVIEW: (
        "Automated decisions",
        "Where a decision about you is made by automated means, ask for a person to review it "
        "and give your view.",
    ),
    RightName.INFORMATION: (
        "Ask about your data",
        "Ask us anything about how, why and with whom we use your data; we answer in writing.",
    ),
    RightName.WITHDRAW_CONSENT: (
        "Withdraw consent",
        "Where we rely on your consent, withdraw it at any time, as easily as you gave it.",
    ),
    RightName.COMPLAIN: (
        "Complain",
        "Complain to us, and to the Information Commissioner's Office if you are not satisfied.",
    ),
}

FEE = {
    FeeRule.FREE: "There is no fee.",
    FeeRule.REASONABLE_FEE_IF_MANIFESTLY_UNFOUNDED_OR_EXCESSIVE: (
        "There is normally no fee. If a request is manifestly unfounded or excessive we may "
        "charge a reasonable fee or refuse it, and we will tell you why."
    ),
}

IDENTITY = {
    IdentityCheck.REASONABLE_DOUBT: "We ask for proof of identity only where we have reasonable "
    "doubt about who is asking.",
    IdentityCheck.ALWAYS: "We ask for proof of identity before acting on a request.",
}

ACTION = {
    RetentionAction.DELETE: "then deleted",
    RetentionAction.ANONYMISE: "then anonymised or deleted",
    RetentionAction.REVIEW: "then reviewed, and deleted unless we record a reason to keep it",
}


def period(value: Period) -> str:
    parts = [
        f"{count} {unit}{'s' if count != 1 else ''}"
        for count, unit in ((value.years, "year"), (value.months, "month"), (value.days, "day"))
        if count
    ]
    return " and ".join(parts) or "no time"


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def retention_rule(rule: RetentionRule) -> str:
    """How long, in words a patient understands, generated from the rule itself."""
    if rule.notice_text:
        return rule.notice_text
    span = period(rule.duration) if rule.duration else ""
    text = {
        RetentionTrigger.LAST_SEEN: f"At least {span} after your last appointment",
        RetentionTrigger.END_OF_TREATMENT: f"At least {span} after your care ended",
        RetentionTrigger.DEATH: f"At least {span} after death",
        RetentionTrigger.OPT_OUT: "Until you opt out (we then keep only a note of the opt-out)",
        RetentionTrigger.COLLECTION: f"{span} from when it was collected".capitalize(),
        RetentionTrigger.LAST_INTERACTION: f"{span} after our last contact with you".capitalize(),
        RetentionTrigger.FINANCIAL_YEAR_END: f"{span} from the end of the financial year it "
        "relates to".capitalize(),
        RetentionTrigger.BIRTHDAY: f"Until your {ordinal(rule.birthday or 0)} birthday",
    }[rule.trigger]
    if rule.trigger is RetentionTrigger.BIRTHDAY and rule.birthday_if_17_at_end:
        text += f" (your {ordinal(rule.birthday_if_17_at_end)} if you were 17 when treatment ended)"
    if rule.after_death:
        text += f"; after a death, at least {period(rule.after_death)} after it, if that is later"
    return f"{text}, {ACTION[rule.action]}."

"""The sharing rules a disclosure must pass before the guard is even asked (S0-54..S0-67,
S0-72, S1-18..S1-21): default deny, each refusal named by a rule id and said in the words of
the person refused.

Pure: the policy, the request and today's date in, the refusals out; the facts that need the
database (the referral's referrer) are the service's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import Purpose
from hippocratic.policy.recipient import UK_AND_EEA, Recipient, RecipientClass, TransferSafeguard

MIN_REASON = 20
"""The fewest characters of a legal reason, a justification or an exemption: a word or two is
not a reason anyone can check later."""
NO_PERSONAL_DATA = frozenset({RecipientClass.ADVERTISER, RecipientClass.ANALYTICS})
"""Never receive anyone's personal data (S0-66..S0-69): aggregates only, outside this log."""
TOLD_FIRST = frozenset({RecipientClass.CONTROLLER, RecipientClass.SUCCESSOR})
"""Controllers in their own right: the patient is told before we share (S0-56, D-18)."""
DPO_DECIDES = frozenset({RecipientClass.REGULATOR, RecipientClass.SUCCESSOR})
"""Legal and regulatory disclosures and a business transfer: the DPO's decision, with its
legal reason (S0-62, S0-63, S1-21)."""


class Channel(StrEnum):
    """How the data went out."""

    SECURE_EMAIL = "secure_email"
    EMAIL = "email"
    POST = "post"
    API = "api"
    PHONE = "phone"
    IN_PERSON = "in_person"


@dataclass(frozen=True)
class Disclose:
    """One disclosure asked for: to whom, why, what, how, and what the rules need to know."""

    recipient: str
    purpose: str
    fields: tuple[str, ...]
    channel: Channel
    party: str | None = None
    """Who exactly, where the recipient is a kind (the organisation named in a share)."""
    referral: str | None = None
    """The referral a report to the referrer answers."""
    patient_told_at: datetime | None = None
    exemption: str | None = None
    """Why the patient is not told first (e.g. DPA 2018 Sch. 2 Pt 1 para 2)."""
    agreed_at: datetime | None = None
    """When the patient agreed to this share, naming the recipient and the data."""
    justification: str | None = None
    """The legal reason, or a fraud check's justification."""


@dataclass(frozen=True)
class Refusal:
    rule: str
    reason: str


def disclosable(policy: Policy) -> list[Recipient]:
    """The recipients a patient's data may ever go to (a form offers only these)."""
    return [
        r
        for r in policy.recipients
        if r.recipient_class not in NO_PERSONAL_DATA and not r.aggregated_only
    ]


def sendable(policy: Policy, role: str) -> list[tuple[str, str]]:
    """(field, title) of every field a role may see, for a form's choice of what to send."""
    found = policy.role_by_key.get(role)
    if found is None:
        return []
    return [
        (field.key, field.title)
        for category in policy.categories
        if category.key in found.categories
        for field in category.fields
        if not field.card_number
    ]


def is_discretionary(purpose: Purpose) -> bool:
    """Sharing 'in your interest' (S0-57): a third-party-sharing purpose on consent."""
    return purpose.data_use.startswith("third_party_sharing") and purpose.consent_required


def transfer_unguarded(policy: Policy, recipient: Recipient) -> bool:
    permitted = UK_AND_EEA | set(policy.organisation.permitted_countries)
    return (
        recipient.country not in permitted
        and recipient.transfer_safeguard is TransferSafeguard.NONE
    )


def refusals(
    policy: Policy, ask: Disclose, *, today: date, now: datetime, dpo: bool
) -> list[Refusal]:
    """Every rule ``ask`` breaks; none means the guard decides the rest."""
    recipient = policy.recipient_by_key.get(ask.recipient)
    if recipient is None:
        return [
            Refusal(
                "disclosure:recipient_unknown",
                f"“{ask.recipient}” is not a recipient in this organisation's privacy notice: "
                "nothing goes to anyone the notice does not name",
            )
        ]
    key, name = recipient.key, recipient.name
    found: list[Refusal] = []
    if recipient.recipient_class in NO_PERSONAL_DATA or recipient.aggregated_only:
        found.append(
            Refusal(
                f"disclosure:{key}/no_personal_data",
                f"{name} receives aggregated counts only, never anyone's personal or health data",
            )
        )
        return found
    if ask.purpose not in recipient.purposes:
        title = (
            policy.purpose_by_key[ask.purpose].title
            if ask.purpose in policy.purpose_by_key
            else ask.purpose
        )
        found.append(
            Refusal(
                f"disclosure:{key}/purpose:{ask.purpose}",
                f"{name} does not receive data for “{title}”",
            )
        )
    category_of = policy.category_of_field
    for field in ask.fields:
        category = category_of.get(field)
        if category is not None and not recipient.may_receive(field, category.key):
            title = policy.field_by_key[field].title
            found.append(
                Refusal(
                    f"disclosure:{key}/field:{field}",
                    f"{name} may not receive {title}: it gets only what it needs",
                )
            )
    found.extend(_channel(policy, recipient, ask))
    lapsed = recipient.agreement_lapsed(today)
    if lapsed is not None:
        found.append(
            Refusal(f"disclosure:{key}/agreement", f"{name} {lapsed}: it receives nothing")
        )
    if transfer_unguarded(policy, recipient):
        found.append(
            Refusal(
                f"disclosure:{key}/transfer",
                f"{name} is in {recipient.country}, outside the UK and EEA, with no transfer "
                "safeguard recorded (UK GDPR Art. 44-46)",
            )
        )
    found.extend(_told_and_agreed(policy, recipient, ask, now))
    found.extend(_reasons(recipient, ask, dpo))
    return found


INSECURE = frozenset({Channel.EMAIL})
"""Channels that are not secure for health data: ordinary email crosses the internet readable
by every server on its way (S0-107: 'not secure unless they have been encrypted')."""


def _channel(policy: Policy, recipient: Recipient, ask: Disclose) -> list[Refusal]:
    """Health data never goes by plain email (S0-107): secure email, the API, post, phone or
    in person instead."""
    if ask.channel not in INSECURE:
        return []
    category_of = policy.category_of_field
    health = [
        policy.field_by_key[f].title
        for f in ask.fields
        if f in category_of and category_of[f].special_category
    ]
    if not health:
        return []
    return [
        Refusal(
            f"disclosure:{recipient.key}/channel:{ask.channel.value}",
            f"{', '.join(health)} is health information: plain email is not secure, so send "
            "it by secure (encrypted) email, through the API or by post",
        )
    ]


def _told_and_agreed(
    policy: Policy, recipient: Recipient, ask: Disclose, now: datetime
) -> list[Refusal]:
    found: list[Refusal] = []
    key, name = recipient.key, recipient.name
    told_first = recipient.recipient_class in TOLD_FIRST or recipient.notify_before_sharing
    if ask.patient_told_at is not None and ask.patient_told_at > now:
        found.append(
            Refusal(f"disclosure:{key}/told_in_future", "the patient cannot have been told later")
        )
    exemption = (ask.exemption or "").strip()
    if exemption and len(exemption) < MIN_REASON:
        found.append(
            Refusal(
                f"disclosure:{key}/exemption",
                f"say why the patient is not told first, in at least {MIN_REASON} characters",
            )
        )
    if told_first and ask.patient_told_at is None and not exemption:
        found.append(
            Refusal(
                f"disclosure:{key}/not_told",
                f"{name} is another controller: tell the patient before sharing, or record why "
                "they are not told (UK GDPR Art. 13(1)(e), 14; DPA 2018 Sch. 2)",
            )
        )
    purpose = policy.purpose_by_key.get(ask.purpose)
    if purpose is not None and is_discretionary(purpose):
        if ask.agreed_at is None or ask.agreed_at > now:
            found.append(
                Refusal(
                    f"disclosure:{ask.purpose}/not_agreed",
                    "ask the patient first: this share is made only once they agree to it, "
                    "naming who receives what (S0-57)",
                )
            )
        if not (ask.party or "").strip():
            found.append(
                Refusal(
                    f"disclosure:{ask.purpose}/party",
                    "name the organisation or person the patient agreed we may send it to",
                )
            )
    return found


def _reasons(recipient: Recipient, ask: Disclose, dpo: bool) -> list[Refusal]:
    found: list[Refusal] = []
    key, name = recipient.key, recipient.name
    reason = (ask.justification or "").strip()
    if recipient.recipient_class in DPO_DECIDES:
        if not dpo:
            found.append(
                Refusal(
                    f"disclosure:{key}/dpo",
                    f"a disclosure to {name} is the Data Protection Officer's decision",
                )
            )
        if len(reason) < MIN_REASON:
            found.append(
                Refusal(
                    f"disclosure:{key}/legal_reason",
                    f"give the legal reason for disclosing to {name} (the court order, the "
                    f"statute, the transfer agreement), in at least {MIN_REASON} characters",
                )
            )
    if recipient.recipient_class is RecipientClass.FRAUD_PREVENTION and len(reason) < MIN_REASON:
        found.append(
            Refusal(
                f"disclosure:{key}/justification",
                "a fraud-prevention check records why it is needed (the law that requires "
                f"it, or the suspicion), in at least {MIN_REASON} characters",
            )
        )
    return found

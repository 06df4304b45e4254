"""Who receives what: no health data to advertisers or analytics, no advertiser gets personal
data, and no transfer outside the UK/EEA without a safeguard (Art. 44-46)."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.category import DataCategory, Sensitivity
from hippocratic.policy.checks import Finding
from hippocratic.policy.checks.special_category import reveals_health
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.recipient import UK_AND_EEA, Recipient, RecipientClass, TransferSafeguard
from hippocratic.policy.taxonomy import is_identifying

MARKETING_RECIPIENTS = frozenset({RecipientClass.ADVERTISER, RecipientClass.ANALYTICS})
TRACKING_COOKIES = frozenset({CookieCategory.ANALYTICS, CookieCategory.ADVERTISING})
MARKETING_USES = ("marketing", "analytics", "personalize")
FIX_HEALTH = "remove it: advertisers and analytics get no health or health-revealing data"


def _health_keys(policy: Policy, keys: list[str]) -> list[str]:
    categories = policy.category_by_key
    return [key for key in keys if key in categories and reveals_health(categories[key])]


def check_health_to_marketing(policy: Policy) -> Iterator[Finding]:
    for r, recipient in enumerate(policy.recipients):
        if recipient.recipient_class not in MARKETING_RECIPIENTS:
            continue
        for index, key in enumerate(recipient.categories):
            if _health_keys(policy, [key]):
                yield (
                    ("recipients", r, "categories", index),
                    "recipient.health_to_marketing",
                    f"{recipient.recipient_class} `{recipient.key}` may get health data `{key}`",
                    FIX_HEALTH,
                )
        for index, key in enumerate(recipient.purposes):
            purpose = policy.purpose_by_key.get(key)
            health = _health_keys(policy, purpose.categories) if purpose else []
            if health:
                yield (
                    ("recipients", r, "purposes", index),
                    "recipient.health_to_marketing",
                    f"{recipient.recipient_class} `{recipient.key}` serves purpose `{key}`, "
                    f"which uses health data ({', '.join(health)})",
                    "remove the purpose from this recipient, or the health data from the purpose",
                )
        if recipient.recipient_class is RecipientClass.ADVERTISER:
            yield from _advertiser_personal_data(policy, r, recipient)
    for p, purpose in enumerate(policy.purposes):
        health = _health_keys(policy, purpose.categories)
        if not health:
            continue
        if purpose.data_use.startswith(MARKETING_USES):
            yield (
                ("purposes", p, "categories"),
                "recipient.health_to_marketing",
                f"{purpose.data_use} purpose uses health-revealing data ({', '.join(health)})",
                "marketing, profiling and analytics may not use health data: remove them",
            )
        for index, key in enumerate(purpose.recipients):
            shared_with = policy.recipient_by_key.get(key)
            if shared_with is not None and shared_with.recipient_class in MARKETING_RECIPIENTS:
                yield (
                    ("purposes", p, "recipients", index),
                    "recipient.health_to_marketing",
                    f"purpose shares health data with {shared_with.recipient_class} `{key}`",
                    "remove the recipient from this purpose",
                )
    yield from _tracking_vendors(policy)


def _advertiser_personal_data(policy: Policy, r: int, recipient: Recipient) -> Iterator[Finding]:
    """Advertisers get aggregates only (S0-66): the flag, and nothing that names or singles out
    a person, which no aggregate needs."""
    if not recipient.aggregated_only:
        yield (
            ("recipients", r, "aggregated_only"),
            "recipient.advertiser_personal_data",
            f"advertiser `{recipient.key}` may receive personal data",
            "set `aggregated_only: true`: advertisers get aggregate counts only",
        )
    categories = policy.category_by_key
    for index, key in enumerate(recipient.categories):
        category = categories.get(key)
        found = identifiers(category) if category is not None else []
        if found:
            yield (
                ("recipients", r, "categories", index),
                "recipient.advertiser_personal_data",
                f"advertiser `{recipient.key}` may get `{key}`, which identifies people "
                f"({', '.join(found)})",
                "remove it: an aggregate needs no names, contact details or unique or online "
                "identifiers such as IP addresses and cookie ids (S0-66; UK GDPR Art. 4(1))",
            )


def identifiers(category: DataCategory) -> list[str]:
    """What in ``category`` names or singles out a person: its identity sensitivity, identifier
    fields, and direct or online identifiers (IP address, cookie or device id) by fideslang key."""
    found = ["sensitivity: identity"] if category.sensitivity is Sensitivity.IDENTITY else []
    for field in category.fields:
        key = field.data_category or category.data_category
        if field.identifier or is_identifying(key):
            found.append(f"{field.key}: {key}")
    if not found and is_identifying(category.data_category):
        found.append(category.data_category)
    return found


def _tracking_vendors(policy: Policy) -> Iterator[Finding]:
    if policy.cookies is None:
        return
    tracking = {
        cookie.vendor
        for cookie in policy.cookies.cookies
        if cookie.vendor is not None and cookie.category in TRACKING_COOKIES
    }
    for v, vendor in enumerate(policy.cookies.vendors):
        linked = policy.recipient_by_key.get(vendor.recipient or "")
        if vendor.key not in tracking or linked is None:
            continue
        if linked.recipient_class in MARKETING_RECIPIENTS:
            continue  # its categories are checked above
        health = _health_keys(policy, linked.categories)
        if health:
            yield (
                ("cookies", "vendors", v, "recipient"),
                "recipient.health_to_marketing",
                f"tracking vendor `{vendor.key}` is linked to `{linked.key}`, which may get "
                f"health data ({', '.join(health)})",
                "link the vendor to an analytics or advertiser recipient without health data",
            )


def check_transfers(policy: Policy) -> Iterator[Finding]:
    permitted = UK_AND_EEA | set(policy.organisation.permitted_countries)
    for r, recipient in enumerate(policy.recipients):
        if (
            recipient.country not in permitted
            and recipient.transfer_safeguard is TransferSafeguard.NONE
        ):
            yield (
                ("recipients", r, "transfer_safeguard"),
                "transfer.no_safeguard",
                f"`{recipient.key}` is in {recipient.country} (outside the UK/EEA and the "
                "permitted countries) with no transfer safeguard",
                "set `transfer_safeguard:` (adequacy, uk_us_data_bridge, idta, addendum, "
                "binding_corporate_rules), or add the country to `permitted_countries` "
                "if UK adequacy regulations cover it",
            )
    if policy.cookies is None:
        return
    for v, vendor in enumerate(policy.cookies.vendors):
        if vendor.country in permitted:
            continue
        linked = policy.recipient_by_key.get(vendor.recipient or "")
        if linked is None:
            yield (
                ("cookies", "vendors", v, "country"),
                "transfer.no_safeguard",
                f"vendor `{vendor.key}` is in {vendor.country} with no recipient record "
                "stating a transfer safeguard",
                "link it to a recipient (`recipient:`) that states the transfer safeguard",
            )
        elif linked.transfer_safeguard is TransferSafeguard.NONE and linked.country in permitted:
            yield (
                ("cookies", "vendors", v, "country"),
                "transfer.no_safeguard",
                f"vendor `{vendor.key}` is in {vendor.country}, but its recipient "
                f"`{linked.key}` is recorded in {linked.country} with no safeguard",
                f"record `{linked.key}` in {vendor.country} with its transfer safeguard",
            )

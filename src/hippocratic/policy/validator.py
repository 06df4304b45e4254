"""Semantic checks a DPO can act on: each finding has a stable rule id, a place and a fix.

Structural problems (YAML, types, unknown keys) are the loader's; this module checks what a
well-formed policy says against the law: Art. 6 and 9 bases, consent wording, health data never
reaching advertisers or marketing, card display (PCI DSS v4.0 3.4.1), transfers, retention.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hippocratic.domain.retention_schedule import check_rule
from hippocratic.errors import PolicyInvalid
from hippocratic.policy.category import DataCategory, MaskKind
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.policy.loader import parse_policy
from hippocratic.policy.locator import Locator
from hippocratic.policy.problem import Problem
from hippocratic.policy.purpose import LawfulBasis, SpecialCondition
from hippocratic.policy.recipient import RecipientClass, TransferSafeguard
from hippocratic.policy.references import Finding, check_references
from hippocratic.policy.taxonomy import is_health

UK_AND_EEA = frozenset(
    {"GB", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    }
)
NEEDS_SCHEDULE_1 = frozenset(
    {
        SpecialCondition.EMPLOYMENT_SOCIAL_SECURITY,
        SpecialCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        SpecialCondition.HEALTH_OR_SOCIAL_CARE,
        SpecialCondition.PUBLIC_HEALTH,
        SpecialCondition.ARCHIVING_RESEARCH,
    }
)
MARKETING_RECIPIENTS = frozenset({RecipientClass.ADVERTISER, RecipientClass.ANALYTICS})
PCI_MAX_DIGITS = 4


@dataclass(frozen=True)
class CheckReport:
    file: str
    policy: Policy | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_policy(path: Path | str) -> CheckReport:
    """Load ``path`` and run every check; never raises for a bad file."""
    policy, locator, problems = parse_policy(Path(path))
    if policy is not None:
        problems = validate(policy, locator)
    return CheckReport(str(path), policy, sorted(problems, key=lambda p: (p.line, p.rule)))


def validate(policy: Policy, locator: Locator) -> list[Problem]:
    findings = [
        *check_references(policy),
        *_special_categories(policy),
        *_bases(policy),
        *_health_to_marketing(policy),
        *_cards(policy),
        *_transfers(policy),
        *_retention(policy),
        *_retention_against_the_code(policy),
        *_forms(policy),
        *_cookies(policy),
    ]
    return [locator.problem(*finding) for finding in findings]


def _reveals_health(category: DataCategory) -> bool:
    return (
        category.special_category or category.health_revealing or is_health(category.data_category)
    )


def _special_categories(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        if category.special_category and category.sensitivity != "special":
            yield (
                ("categories", c, "sensitivity"),
                "category.sensitivity",
                "a special category must have sensitivity `special`",
                "set `sensitivity: special` so it is encrypted and narrowly granted",
            )
        if is_health(category.data_category) and not category.special_category:
            yield (
                ("categories", c, "special_category"),
                "category.health_not_special",
                f"`{category.data_category}` is health data but not marked special category",
                "set `special_category: true` (UK GDPR Art. 9(1))",
            )
    for p, purpose in enumerate(policy.purposes):
        used = [
            policy.category_by_key[key]
            for key in purpose.categories
            if key in policy.category_by_key
        ]
        special = [category.key for category in used if _reveals_health(category)]
        if special and purpose.special_condition is None:
            yield (
                ("purposes", p, "categories"),
                "art9.missing",
                f"uses special-category data ({', '.join(special)}) without an Art. 9 condition",
                "add `special_condition:` (e.g. health_or_social_care) and `dpa_schedule_1:`",
            )
        if purpose.special_condition in NEEDS_SCHEDULE_1 and not purpose.dpa_schedule_1:
            yield (
                ("purposes", p, "special_condition"),
                "art9.schedule1_missing",
                f"Art. 9 condition `{purpose.special_condition}` needs a DPA 2018 Sch. 1 condition",
                'add `dpa_schedule_1:` e.g. "Sch. 1 Pt 1 para 2 (health or social care)"',
            )


def _bases(policy: Policy) -> Iterator[Finding]:
    for p, purpose in enumerate(policy.purposes):
        basis = purpose.lawful_basis
        if (
            basis in (LawfulBasis.LEGAL_OBLIGATION, LawfulBasis.PUBLIC_TASK)
            and not purpose.legal_citation
        ):
            yield (
                ("purposes", p, "lawful_basis"),
                "basis.citation_missing",
                f"`{basis}` needs the law that imposes it",
                "add `legal_citation:` naming the statute or regulation",
            )
        if (
            basis is LawfulBasis.LEGITIMATE_INTERESTS
            and not purpose.legitimate_interests_assessment
        ):
            yield (
                ("purposes", p, "lawful_basis"),
                "basis.lia_missing",
                "legitimate interests needs a legitimate-interests assessment",
                "add `legitimate_interests_assessment:` with the LIA reference",
            )
        if purpose.consent_required and purpose.consent is None:
            yield (
                ("purposes", p, "lawful_basis"),
                "consent.wording_missing",
                "a consent purpose has no consent wording",
                "add `consent: {wording: ..., withdrawal: ...}` in the words the patient sees",
            )


def _health_to_marketing(policy: Policy) -> Iterator[Finding]:
    categories = policy.category_by_key
    for r, recipient in enumerate(policy.recipients):
        if recipient.recipient_class not in MARKETING_RECIPIENTS:
            continue
        for index, key in enumerate(recipient.categories):
            if key in categories and _reveals_health(categories[key]):
                yield (
                    ("recipients", r, "categories", index),
                    "recipient.health_to_marketing",
                    f"{recipient.recipient_class} `{recipient.key}` may get health data `{key}`",
                    "remove it: advertisers and analytics get no health data (aggregates only)",
                )
    for p, purpose in enumerate(policy.purposes):
        health = [
            key
            for key in purpose.categories
            if key in categories and _reveals_health(categories[key])
        ]
        if not health:
            continue
        if purpose.data_use.startswith(("marketing", "analytics", "personalize")):
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


def _cards(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        for f, field in enumerate(category.fields):
            is_card = field.card_number or field.data_category == "user.financial.credit_card"
            if not is_card:
                continue
            display = field.display
            if display.kind is MaskKind.FULL or (
                display.kind is MaskKind.LAST_DIGITS and (display.digits or 0) > PCI_MAX_DIGITS
            ):
                shown = (
                    "the full number"
                    if display.kind is MaskKind.FULL
                    else f"{display.digits} digits"
                )
                yield (
                    ("categories", c, "fields", f, "display"),
                    "card.display",
                    f"card number display shows {shown}",
                    "show at most the last four digits: `display: {kind: last_digits, digits: 4}` "
                    "(PCI DSS v4.0 req. 3.4.1)",
                )


def _transfers(policy: Policy) -> Iterator[Finding]:
    permitted = UK_AND_EEA | set(policy.organisation.permitted_countries)
    for r, recipient in enumerate(policy.recipients):
        if (
            recipient.country not in permitted
            and recipient.transfer_safeguard is TransferSafeguard.NONE
        ):
            yield (
                ("recipients", r, "transfer_safeguard"),
                "transfer.no_safeguard",
                f"`{recipient.key}` is in {recipient.country} (outside UK/EEA) with no safeguard",
                "set `transfer_safeguard:` (adequacy, uk_us_data_bridge, idta, addendum, ...)",
            )
    if policy.cookies is None:
        return
    for v, vendor in enumerate(policy.cookies.vendors):
        if vendor.country in permitted:
            continue
        linked = policy.recipient_by_key.get(vendor.recipient) if vendor.recipient else None
        if linked is None:
            yield (
                ("cookies", "vendors", v, "country"),
                "transfer.no_safeguard",
                f"vendor `{vendor.key}` is in {vendor.country} with no recipient record",
                "link it to a recipient (`recipient:`) that states the transfer safeguard",
            )


def _retention(policy: Policy) -> Iterator[Finding]:
    for c, category in enumerate(policy.categories):
        if category.retention is None:
            yield (
                ("categories", c),
                "retention.missing",
                f"category `{category.key}` has no retention rule",
                "add `retention:` naming a rule from the `retention:` section",
            )
    for r, rule in enumerate(policy.retention):
        if rule.rationale is None:
            yield (
                ("retention", r),
                "retention.rationale_missing",
                f"rule `{rule.key}` has no rationale",
                "add `rationale:` legal, healthcare or operational",
            )
        if not rule.citation:
            yield (
                ("retention", r),
                "retention.citation_missing",
                f"rule `{rule.key}` cites no source",
                "add `citation:` e.g. the NHS Records Management Code of Practice row",
            )


def _retention_against_the_code(policy: Policy) -> Iterator[Finding]:
    for r, rule in enumerate(policy.retention):
        for problem in check_rule(rule):
            yield (("retention", r, problem.field), problem.rule, problem.message, problem.fix)


def _forms(policy: Policy) -> Iterator[Finding]:
    for f, form in enumerate(policy.forms):
        covered = {
            key
            for purpose_key in form.purposes
            if (purpose := policy.purpose_by_key.get(purpose_key)) is not None
            for key in purpose.categories
        }
        for index, field_key in enumerate(form.fields):
            category = policy.category_of_field.get(field_key)
            if category is not None and category.key not in covered:
                yield (
                    ("forms", f, "fields", index),
                    "form.field_uncovered",
                    f"field `{field_key}` ({category.key}) serves none of the form's purposes",
                    "add a purpose that uses this category, or stop collecting the field",
                )


def _cookies(policy: Policy) -> Iterator[Finding]:
    if policy.cookies is None:
        return
    defined = {definition.category for definition in policy.cookies.categories}
    for d, definition in enumerate(policy.cookies.categories):
        if definition.consent_required or definition.category is CookieCategory.ESSENTIAL:
            continue
        if definition.category is CookieCategory.ADVERTISING:
            yield (
                ("cookies", "categories", d, "consent_required"),
                "cookie.consent_exempt",
                "advertising cookies and pixels always need consent (PECR reg. 6)",
                "set `consent_required: true`",
            )
        elif not definition.exemption:
            yield (
                ("cookies", "categories", d, "consent_required"),
                "cookie.consent_exempt",
                f"{definition.category} cookies are exempt from consent without a stated exception",
                "set `consent_required: true`, or cite the PECR reg. 6 exception in `exemption:`",
            )
    for k, cookie in enumerate(policy.cookies.cookies):
        if cookie.category not in defined:
            yield (
                ("cookies", "cookies", k, "category"),
                "ref.unknown",
                f"cookie `{cookie.name}` is in undescribed category `{cookie.category}`",
                "add that category under `cookies.categories`",
            )


def load_sound_policy(path: Path | str) -> Policy:
    """Load ``path`` and run every check; raise ``PolicyInvalid`` listing each problem.

    Every face that renders from a policy goes through here: a notice rendered from a policy
    that fails ``policy check`` would state something the guard does not enforce.
    """
    report = check_policy(path)
    if report.policy is None or report.problems:
        count = len(report.problems)
        first = f": {report.problems[0]}" if report.problems else ""
        raise PolicyInvalid(
            f"{report.file}: {count} problem{'s' if count != 1 else ''} found{first}",
            details=[str(problem) for problem in report.problems],
            hint=f"run `hippocratic policy check {report.file}` for the full list, then fix them",
        )
    return report.policy

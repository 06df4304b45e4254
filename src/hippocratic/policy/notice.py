"""The privacy notice, generated from the policy: the words patients read cannot drift from what
the guard enforces, because both come from the same file (invariant 6).

``build_notice`` returns the structured content (the JSON twin of the page); ``render_notice``
renders it as Markdown or HTML with automatic section numbering and internal links (D-15).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from hippocratic.policy import wording
from hippocratic.policy.category import DataCategory, Field
from hippocratic.policy.document import Policy
from hippocratic.policy.notice_cookies import (
    CookieFeatureView,
    CookieView,
    cookie_features,
    cookie_views,
    without_cookies,
)
from hippocratic.policy.purpose import Purpose
from hippocratic.policy.recipient import UK_AND_EEA, Recipient, TransferSafeguard

Format = Literal["md", "html"]


class FieldView(BaseModel):
    title: str
    required: bool
    why: str
    sources: list[str]


class CategoryView(BaseModel):
    key: str
    title: str
    description: str
    special_category: bool
    fields: list[FieldView]


class PurposeView(BaseModel):
    key: str
    title: str
    description: str
    lawful_basis: str
    special_condition: str | None
    legal_citation: str | None
    consent_wording: str | None
    consent_withdrawal: str | None
    categories: list[str]
    automated_decision: bool


class RecipientView(BaseModel):
    key: str
    name: str
    kind: str
    description: str
    categories: list[str]
    notify_before_sharing: bool
    aggregated_only: bool


class TransferView(BaseModel):
    name: str
    country: str
    safeguard: str


class RetentionView(BaseModel):
    key: str
    title: str
    period: str
    citation: str | None
    categories: list[str]


class RightView(BaseModel):
    name: str
    description: str


class ContactView(BaseModel):
    title: str
    email: str
    phone: str | None
    post: str | None
    designated_dpo: bool


class NoticeView(BaseModel):
    organisation_key: str
    name: str
    legal_name: str
    company_number: str | None
    ico_registration_number: str | None
    registered_office: str
    website: str | None
    contact: ContactView
    version: str
    effective_date: date
    previous_versions: list[str]
    categories: list[CategoryView]
    purposes: list[PurposeView]
    recipients: list[RecipientView]
    transfers: list[TransferView]
    retention: list[RetentionView]
    security: list[RightView]
    standards: list[str]
    cookie_categories: list[RightView]
    cookies: list[CookieView]
    cookie_features: list[CookieFeatureView]
    """What needs cookies (S0-102): the features that stop or forget with cookies off."""
    without_cookies: str
    """What still works with cookies off."""
    marketing: str | None
    rights: list[RightView]
    rights_deadline: str
    rights_fee: str
    rights_identity: str
    breach: str
    authority_name: str
    authority_url: str
    authority_phone: str


def build_notice(policy: Policy) -> NoticeView:
    org = policy.organisation
    contact = org.privacy_contact
    return NoticeView(
        organisation_key=org.key,
        name=org.display_name,
        legal_name=org.legal_name,
        company_number=org.company_number,
        ico_registration_number=org.ico_registration_number,
        registered_office=org.registered_office.one_line(),
        website=str(org.website) if org.website else None,
        contact=ContactView(
            title=contact.title,
            email=str(contact.email),
            phone=contact.phone,
            post=contact.post.one_line() if contact.post else None,
            designated_dpo=bool(org.dpo and org.dpo.designated),
        ),
        version=policy.notice.version,
        effective_date=policy.notice.effective_date,
        previous_versions=[
            f"{v.version} ({v.effective_date.isoformat()})" for v in policy.notice.previous
        ],
        categories=[_category(category) for category in policy.categories],
        purposes=[_purpose(policy, purpose) for purpose in policy.purposes],
        recipients=[_recipient(policy, recipient) for recipient in policy.recipients],
        transfers=transfers(policy),
        retention=_retention(policy),
        security=[RightView(name=m.title, description=m.description) for m in policy.security],
        standards=list(org.standards),
        cookie_categories=[
            RightView(
                name=d.title,
                description=d.description
                + (" We set these only with your consent." if d.consent_required else ""),
            )
            for d in (policy.cookies.categories if policy.cookies else [])
        ],
        cookies=cookie_views(policy),
        cookie_features=cookie_features(policy),
        without_cookies=without_cookies(policy),
        marketing=_marketing(policy),
        rights=[
            RightView(name=wording.RIGHT[r][0], description=wording.RIGHT[r][1])
            for r in policy.rights.offered
        ],
        rights_deadline=(
            "We answer within one calendar month of receiving your request. If a request is "
            "complex, or you make several, we may extend this by up to two further months; we "
            "will tell you within the first month, and why."
            if policy.rights.extension_allowed
            else "We answer within one calendar month of receiving your request."
        ),
        rights_fee=wording.FEE[policy.rights.fee],
        rights_identity=wording.IDENTITY[policy.rights.identity_check],
        breach=(
            "If there is a breach, or a likely breach, affecting your personal data, we will tell "
            "you without undue delay."
            if policy.breach.subject_notification == "any_confirmed_or_likely"
            else "If a personal data breach is likely to result in a high risk to you, we will "
            "tell you without undue delay."
        )
        + " We report breaches to the ICO within 72 hours of becoming aware of them unless they "
        "are unlikely to result in a risk to anyone.",
        authority_name=org.supervisory_authority.name,
        authority_url=str(org.supervisory_authority.complaint_url),
        authority_phone=org.supervisory_authority.phone,
    )


def field_view(field: Field) -> FieldView:
    return FieldView(
        title=field.title,
        required=field.required,
        why=field.why,
        sources=[wording.SOURCE[source] for source in field.sources],
    )


def _category(category: DataCategory) -> CategoryView:
    return CategoryView(
        key=category.key,
        title=category.title,
        description=category.description,
        special_category=category.special_category,
        fields=[field_view(field) for field in category.fields],
    )


def _titles(policy: Policy, keys: list[str]) -> list[str]:
    return [policy.category_by_key[key].title for key in keys if key in policy.category_by_key]


def _purpose(policy: Policy, purpose: Purpose) -> PurposeView:
    return PurposeView(
        key=purpose.key,
        title=purpose.title,
        description=purpose.description,
        lawful_basis=wording.LAWFUL_BASIS[purpose.lawful_basis],
        special_condition=(
            wording.SPECIAL_CONDITION[purpose.special_condition]
            + (f"; DPA 2018 {purpose.dpa_schedule_1}" if purpose.dpa_schedule_1 else "")
            if purpose.special_condition
            else None
        ),
        legal_citation=purpose.legal_citation,
        consent_wording=purpose.consent.wording if purpose.consent else None,
        consent_withdrawal=purpose.consent.withdrawal if purpose.consent else None,
        categories=_titles(policy, purpose.categories),
        automated_decision=purpose.automated_decision,
    )


def _recipient(policy: Policy, recipient: Recipient) -> RecipientView:
    return RecipientView(
        key=recipient.key,
        name=recipient.name,
        kind=wording.RECIPIENT_CLASS[recipient.recipient_class],
        description=recipient.description,
        categories=_titles(policy, recipient.categories),
        notify_before_sharing=recipient.notify_before_sharing,
        aggregated_only=recipient.aggregated_only,
    )


def transfers(policy: Policy) -> list[TransferView]:
    """Every recipient outside the UK and EEA, with the safeguard that makes it lawful."""
    permitted = UK_AND_EEA | set(policy.organisation.permitted_countries)
    return [
        TransferView(
            name=recipient.name,
            country=recipient.country,
            safeguard=wording.TRANSFER_SAFEGUARD[recipient.transfer_safeguard],
        )
        for recipient in policy.recipients
        if recipient.country not in permitted
        or recipient.transfer_safeguard is not TransferSafeguard.NONE
    ]


def _retention(policy: Policy) -> list[RetentionView]:
    views = []
    for rule in policy.retention:
        governed = [c.title for c in policy.categories if c.retention == rule.key] + [
            p.title for p in policy.purposes if p.retention == rule.key
        ]
        views.append(
            RetentionView(
                key=rule.key,
                title=rule.title,
                period=wording.retention_rule(rule),
                citation=rule.citation,
                categories=governed,
            )
        )
    return views


def _marketing(policy: Policy) -> str | None:
    marketing = policy.marketing
    if marketing is None:
        return None
    channels = ", ".join(marketing.channels)
    text = (
        f"We send marketing ({channels}) only if you opted in, channel by channel. "
        if marketing.model == "opt_in"
        else f"We may tell existing patients about similar services ({channels}); you can refuse "
        "when we collect your details and in every message. "
    )
    return text + (
        "Marketing never uses health information, and consent to marketing is separate from "
        "your care. You can opt out at any time; we then keep only a note that you opted out, "
        "so that we never contact you again."
    )


def markdown_text(value: object) -> object:
    """Make policy text inert in Markdown: one line, no table breaks, no raw HTML."""
    if not isinstance(value, str):
        return value
    return (
        " ".join(value.split())
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _environment(fmt: Format) -> Environment:
    return Environment(
        loader=PackageLoader("hippocratic.policy", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        finalize=markdown_text if fmt == "md" else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_ENVIRONMENTS: dict[Format, Environment] = {"md": _environment("md"), "html": _environment("html")}


def render_notice(policy: Policy, fmt: Format) -> str:
    return render_view("notice", build_notice(policy), fmt)


def render_view(template: str, view: BaseModel, fmt: Format) -> str:
    """Render ``template`` for ``fmt``: HTML autoescaped, Markdown with policy text made inert."""
    return _ENVIRONMENTS[fmt].get_template(f"{template}.{fmt}.j2").render(notice=view)

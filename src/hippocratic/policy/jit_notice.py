"""Just-in-time notices: shown on a form, stating exactly what that form's fields are for.

Exactly means: the form's purposes; of their recipients, only those that receive a category the
form collects; and the retention rules of the collected categories (or of the purposes, where a
purpose sets its own). Nothing else, so a patient reads what applies to this form (S0-06).
"""

from __future__ import annotations

from pydantic import BaseModel

from hippocratic.errors import NotFound
from hippocratic.policy import wording
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import FieldView, Format, field_view, render_view


class JitPurposeView(BaseModel):
    key: str
    title: str
    lawful_basis: str
    special_condition: str | None
    consent_wording: str | None


class JitRecipientView(BaseModel):
    key: str
    name: str
    kind: str


class JitRetentionView(BaseModel):
    key: str
    title: str
    period: str


class JitNoticeView(BaseModel):
    organisation_key: str
    name: str
    form_key: str
    form_title: str
    fields: list[FieldView]
    purposes: list[JitPurposeView]
    recipients: list[JitRecipientView]
    retention: list[JitRetentionView]
    notice_url: str
    contact_email: str


def build_jit_notice(policy: Policy, form_key: str, notice_url: str | None = None) -> JitNoticeView:
    """The notice of one form; it links to ``notice_url``, else to where the policy says the full
    notice is published, else to ``/<organisation>/privacy`` (the web app's own page)."""
    form = policy.form_by_key.get(form_key)
    if form is None:
        raise NotFound(
            f"{policy.organisation.key} has no form `{form_key}`",
            field="form",
            hint=f"forms: {', '.join(sorted(policy.form_by_key)) or '(none)'}",
        )
    fields = [policy.field_by_key[key] for key in form.fields]
    collected = {policy.category_of_field[key].key for key in form.fields}
    purposes = [policy.purpose_by_key[key] for key in form.purposes]
    recipient_keys = dict.fromkeys(
        key
        for purpose in purposes
        for key in purpose.recipients
        if collected & set(policy.recipient_by_key[key].categories)
    )
    rule_keys = dict.fromkeys(
        [
            rule
            for category in policy.categories
            if category.key in collected and (rule := category.retention) is not None
        ]
        + [purpose.retention for purpose in purposes if purpose.retention is not None]
    )
    org = policy.organisation
    notice_url = notice_url or (
        str(policy.notice.url) if policy.notice.url else f"/{org.key}/privacy"
    )
    return JitNoticeView(
        organisation_key=org.key,
        name=org.display_name,
        form_key=form.key,
        form_title=form.title,
        fields=[field_view(field) for field in fields],
        purposes=[
            JitPurposeView(
                key=purpose.key,
                title=purpose.title,
                lawful_basis=wording.LAWFUL_BASIS[purpose.lawful_basis],
                special_condition=(
                    wording.SPECIAL_CONDITION[purpose.special_condition]
                    if purpose.special_condition
                    else None
                ),
                consent_wording=purpose.consent.wording if purpose.consent else None,
            )
            for purpose in purposes
        ],
        recipients=[
            JitRecipientView(
                key=key,
                name=policy.recipient_by_key[key].name,
                kind=wording.RECIPIENT_CLASS[policy.recipient_by_key[key].recipient_class],
            )
            for key in recipient_keys
        ],
        retention=[
            JitRetentionView(
                key=key,
                title=policy.retention_by_key[key].title,
                period=wording.retention_rule(policy.retention_by_key[key]),
            )
            for key in rule_keys
        ],
        notice_url=notice_url,
        contact_email=str(org.privacy_contact.email),
    )


def render_jit_notice(
    policy: Policy, form_key: str, fmt: Format, notice_url: str | None = None
) -> str:
    return render_view("jit", build_jit_notice(policy, form_key, notice_url), fmt)

"""The enquiry form on the clinic's public website (``/{org}/enquiry``): what it asks, from the
policy's enquiry form, and what a submission becomes, an enquiry case opened through the guard
like one typed in by reception, with the form's notice presented (S0-06) and the unticked
marketing choice (S0-106).

It needs no cookie (S0-102): nothing about a visitor is remembered between the page and the
submission, and the submission is checked by where it comes from (``Origin``), not by a cookie.
The website acts as ``website:enquiry-form``, in the policy's role that answers enquiries, so
every event it causes is on the ledger under that name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hippocratic.errors import ConfigurationError, InputError, NotFound
from hippocratic.policy.document import Policy
from hippocratic.services.actor import Actor
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.cases import Case, CaseKind, Cases, NewCase
from hippocratic.services.form_consent import preference_field
from hippocratic.services.store import Store

WEBSITE_ACTOR = "website:enquiry-form"
INPUT_KINDS = {"email": "email", "phone": "tel", "date_of_birth": "date"}


@dataclass(frozen=True)
class EnquiryField:
    key: str
    title: str
    why: str
    required: bool
    kind: str
    """``text``, ``email``, ``tel``, ``date`` or ``textarea``: how a browser should ask it."""


@dataclass(frozen=True)
class EnquiryForm:
    organisation: str
    name: str
    form: str
    title: str
    notice_version: str
    fields: list[EnquiryField]
    marketing_field: str | None
    marketing_channels: list[str]
    marketing_wording: str | None


def enquiry_form(policy: Policy) -> EnquiryForm:
    """The public enquiry form, from the policy's enquiry record binding and its form."""
    binding = policy.records.enquiry
    if binding is None or binding.form is None:
        raise NotFound(
            f"{policy.organisation.display_name} takes no enquiries through its website",
            hint="its privacy notice does not say enquiries are collected that way",
        )
    form = policy.form_by_key[binding.form]
    marketing = preference_field(policy)
    fields = []
    for key in form.fields:
        if key == marketing:
            continue
        field = policy.field_by_key[key]
        kind = "textarea" if key == binding.text_field else INPUT_KINDS.get(key, "text")
        fields.append(EnquiryField(key, field.title, field.why, field.required, kind))
    purpose = (
        policy.purpose_by_key.get(policy.marketing.purpose or "") if policy.marketing else None
    )
    consent = purpose.consent if purpose is not None else None
    offered = marketing in form.fields and consent is not None
    return EnquiryForm(
        organisation=policy.organisation.key,
        name=policy.organisation.display_name,
        form=form.key,
        title=form.title,
        notice_version=policy.notice.version,
        fields=fields,
        marketing_field=marketing if offered else None,
        marketing_channels=list(purpose.consent.channels)
        if offered and purpose and purpose.consent
        else [],
        marketing_wording=purpose.consent.wording
        if offered and purpose and purpose.consent
        else None,
    )


def website_actor(policy: Policy, request_id: str | None = None) -> Actor:
    """The website, acting in the first role the policy lets answer enquiries."""
    binding = policy.records.enquiry
    purpose = binding.purpose if binding is not None else None
    for role in policy.roles:
        if purpose in role.purposes and not role.care_relationship_required:
            return Actor(policy.organisation.key, WEBSITE_ACTOR, role.key, request_id)
    raise ConfigurationError(
        f"no role of {policy.organisation.display_name} answers enquiries ({purpose})",
        hint="give the enquiry purpose to the role that answers them (reception)",
    )


def submit_enquiry(
    store: Store,
    organisation: str,
    values: Mapping[str, str | Sequence[str]],
    notice_version: str,
    request_id: str | None = None,
) -> Case:
    """Open an enquiry case for someone new from what the form sent: every field the form
    asks and nothing else, the notice version the page showed, the channels ticked."""
    policy = store.policy_of(organisation)
    form = enquiry_form(policy)
    binding = policy.records.enquiry
    assert binding is not None  # enquiry_form checked it
    asked = {f.key for f in form.fields}
    unknown = sorted(set(values) - asked - {form.marketing_field})
    if unknown:
        raise InputError(
            f"the enquiry form does not ask for {', '.join(unknown)}", field=unknown[0]
        )
    person: dict[str, object] = {}
    for key, value in values.items():
        if key == form.marketing_field:
            ticked = [value] if isinstance(value, str) else list(value)
            chosen = ",".join(c for c in ticked if c)
            if chosen:
                person[key] = chosen
            continue
        one = value if isinstance(value, str) else ",".join(value)
        if one.strip() and key != binding.text_field:
            person[key] = one.strip()
    missing = [f for f in form.fields if f.required and not str(values.get(f.key, "")).strip()]
    if missing:
        raise InputError(f"{missing[0].title}: this is required", field=missing[0].key)
    text = values.get(binding.text_field, "")
    cases = Cases(store, website_actor(policy, request_id))
    return cases.open(
        NewCase(
            kind=CaseKind.ENQUIRY,
            text=text if isinstance(text, str) else " ".join(text),
            channel=Channel.WEB,
            capture=Capture(form.form, notice_version, Channel.WEB),
            person=person,
        ),
        request_id,
    )

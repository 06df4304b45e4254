"""The information that goes with a copy of someone's data (UK GDPR Art. 15(1)(a)-(h) and
15(2)), for this patient: only the purposes, recipients and retention rules that apply to data
held about them, where each item came from, the automated decisions made, their rights, and
how to complain to the ICO. Recipients are the policy's recipients of the categories held
(the kinds of recipient, Art. 15(1)(c)), beside those the disclosure log shows actually
received their data, with what, why and when."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hippocratic.policy.document import Policy
from hippocratic.policy.notice import NoticeView
from hippocratic.services.field_value import FieldValue

SOURCE_WORDS = {
    "data_subject": "you",
    "referrer": "the person or organisation that referred you",
    "third_party": "someone else (for example a relative who booked for you)",
    "public_source": "a public source",
    "device": "your browser or device",
    "generated": "created by us (for example a scan report or an invoice)",
}


def information(
    policy: Policy,
    notice: NoticeView,
    held: Mapping[str, FieldValue],
    referrals: Sequence[Mapping[str, str]],
    disclosed: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """Art. 15(1)(a)-(h) and 15(2) for this patient: only what applies to data held about them."""
    category_of = policy.category_of_field
    held_categories = {category_of[key].title for key in held if key in category_of}
    sources = [
        f"{policy.field_by_key[key].title}: "
        + ", ".join(SOURCE_WORDS.get(s.value, s.value) for s in policy.field_by_key[key].sources)
        for key in held
        if key in policy.field_by_key
    ]
    referrers = [
        f"referral from {values.get('referrer', '')} ({values.get('referrer_kind', '')})"
        for values in referrals
    ]
    applies = [p for p in notice.purposes if set(p.categories) & held_categories]
    authority = policy.organisation.supervisory_authority
    return {
        "purposes": [
            {"title": p.title, "description": p.description, "lawful_basis": p.lawful_basis}
            for p in applies
        ],
        "categories": sorted(held_categories),
        "recipients": [
            {"name": r.name, "kind": r.kind, "description": r.description}
            for r in notice.recipients
            if set(r.categories) & held_categories
        ],
        "recipients_disclosed": [dict(entry) for entry in disclosed],
        "retention": [
            {"title": r.title, "period": r.period, "citation": r.citation or ""}
            for r in notice.retention
            if set(r.categories) & (held_categories | {p.title for p in applies})
        ],
        "sources": sources + referrers,
        "automated_decisions": [p.title for p in applies if p.automated_decision],
        "rights": [{"name": r.name, "description": r.description} for r in notice.rights],
        "complaint": {
            "name": authority.name,
            "url": str(authority.complaint_url),
            "phone": authority.phone,
        },
        "contact": notice.contact.model_dump(),
    }

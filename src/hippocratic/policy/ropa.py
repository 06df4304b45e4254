"""The record of processing activities (UK GDPR Art. 30(1)(a)-(g)), generated from the policy.

One row per purpose, with the Art. 9 condition and DPA 2018 Sch. 1 condition beside the Art. 6
basis, so the record a DPO shows the ICO is the same policy the guard enforces.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from pydantic import BaseModel

from hippocratic.policy import wording
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import markdown_text, transfers


class RopaEntry(BaseModel):
    controller: str
    """(a) name and contact details of the controller and of the DPO."""
    purpose: str
    """(b) the purposes of the processing."""
    lawful_basis: str
    special_condition: str
    data_subjects: str
    """(c) categories of data subjects."""
    personal_data: str
    """(c) categories of personal data."""
    recipients: str
    """(d) categories of recipients, including in third countries."""
    transfers: str
    """(e) transfers to third countries and their safeguards."""
    retention: str
    """(f) envisaged time limits for erasure."""
    security: str
    """(g) a general description of the security measures."""


COLUMNS: dict[str, str] = {
    "controller": "Controller and DPO (Art. 30(1)(a))",
    "purpose": "Purpose (b)",
    "lawful_basis": "Art. 6 lawful basis",
    "special_condition": "Art. 9 condition and DPA 2018 Sch. 1",
    "data_subjects": "Data subjects (c)",
    "personal_data": "Personal data (c)",
    "recipients": "Recipients (d)",
    "transfers": "Third-country transfers (e)",
    "retention": "Time limits for erasure (f)",
    "security": "Security measures (g)",
}


def build_ropa(policy: Policy) -> list[RopaEntry]:
    org = policy.organisation
    contact = org.privacy_contact
    dpo = (
        f"Data Protection Officer: {org.dpo.email}"
        if org.dpo and org.dpo.designated
        else f"{contact.title} (no DPO designated): {contact.email}"
    )
    controller = (
        f"{org.legal_name}"
        + (f" (company {org.company_number})" if org.company_number else "")
        + f", {org.registered_office.one_line()}; "
        + (
            f"ICO registration {org.ico_registration_number}"
            if org.ico_registration_number
            else f"ICO registration not yet recorded: {org.ico_registration_awaited}"
        )
        + f"; {dpo}"
    )
    security = "; ".join(measure.title for measure in policy.security) or "none stated"
    transfer_by_name = {view.name: view for view in transfers(policy)}
    entries = []
    for purpose in policy.purposes:
        recipients = [policy.recipient_by_key[key] for key in purpose.recipients]
        moved = [transfer_by_name[r.name] for r in recipients if r.name in transfer_by_name]
        rules = dict.fromkeys(
            key
            for key in [
                *(policy.category_by_key[c].retention for c in purpose.categories),
                purpose.retention,
            ]
            if key is not None
        )
        entries.append(
            RopaEntry(
                controller=controller,
                purpose=f"{purpose.title}: {purpose.description}",
                lawful_basis=wording.LAWFUL_BASIS[purpose.lawful_basis]
                + (f"; {purpose.legal_citation}" if purpose.legal_citation else "")
                + (
                    f"; LIA {purpose.legitimate_interests_assessment}"
                    if purpose.legitimate_interests_assessment
                    else ""
                ),
                special_condition=(
                    wording.SPECIAL_CONDITION[purpose.special_condition]
                    + (f"; DPA 2018 {purpose.dpa_schedule_1}" if purpose.dpa_schedule_1 else "")
                    if purpose.special_condition
                    else "not applicable (no special category data)"
                ),
                data_subjects=", ".join(purpose.data_subjects),
                personal_data=", ".join(
                    policy.category_by_key[c].title for c in purpose.categories
                ),
                recipients="; ".join(
                    f"{r.name} ({r.recipient_class}, {r.country})" for r in recipients
                )
                or "none outside the organisation",
                transfers="; ".join(f"{t.name}: {t.country}, {t.safeguard}" for t in moved)
                or "none",
                retention="; ".join(
                    f"{policy.retention_by_key[key].title}: "
                    f"{wording.retention_rule(policy.retention_by_key[key])}"
                    for key in rules
                ),
                security=security,
            )
        )
    return entries


def render_ropa(policy: Policy, fmt: Literal["md", "csv"]) -> str:
    entries = build_ropa(policy)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS.values())
        for entry in entries:
            writer.writerow(getattr(entry, name) for name in COLUMNS)
        return buffer.getvalue()
    lines = [
        f"# Record of processing activities: {markdown_text(policy.organisation.legal_name)}",
        "",
        f"UK GDPR Art. 30(1). Generated from policy version {policy.notice.version}.",
        "",
    ]
    for number, entry in enumerate(entries, start=1):
        lines += [f"## {number}. {markdown_text(entry.purpose.split(':', 1)[0])}", ""]
        lines += [
            f"- **{title}**: {markdown_text(getattr(entry, name))}"
            for name, title in COLUMNS.items()
        ]
        lines.append("")
    return "\n".join(lines)

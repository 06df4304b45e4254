"""What of a patient's data is portable (Art. 20(1)): what they provided to us (their own
words and choices, or what their device sent), processed by consent or under a contract, by
automated means. Not what we generated (a scan report, an invoice), not what others told us
(a referral letter), and not what rests on a legal obligation or legitimate interests."""

from __future__ import annotations

from dataclasses import replace

from hippocratic.policy.category import Source
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import LawfulBasis
from hippocratic.services.access_package import AccessPackage, Item, Section

PROVIDED = frozenset({Source.DATA_SUBJECT, Source.DEVICE})
BASES = frozenset({LawfulBasis.CONSENT, LawfulBasis.CONTRACT})


def portable_fields(policy: Policy) -> frozenset[str]:
    covered = {c for p in policy.purposes if p.lawful_basis in BASES for c in p.categories}
    return frozenset(
        f.key
        for c in policy.categories
        if c.key in covered
        for f in c.fields
        if PROVIDED & set(f.sources)
    )


def _section_field(policy: Policy, key: str) -> str | None:
    """The field a section's records hold, where one field stands for them all."""
    records = policy.records
    if key == "appointment" and records.appointment:
        return records.appointment.service_field
    if key == "communication" and records.communication:
        return records.communication.summary_field
    if key == "payment" and records.payment:
        return records.payment.method_field
    if key in ("enquiry", "complaint"):
        binding = getattr(records, key)
        return binding.text_field if binding is not None else None
    if key == "referral" and records.referral:
        return records.referral.letter_field
    if key == "consent" and "marketing_consent" in policy.field_by_key:
        return "marketing_consent"
    return None


def portable_part(policy: Policy, package: AccessPackage) -> AccessPackage:
    """The package cut to what is portable: the details and records the patient provided
    under consent or a contract; the Art. 15 information goes with it unchanged."""
    fields = portable_fields(policy)

    def keep(section: Section) -> Section | None:
        if section.key == "clinical_entry":
            items: list[Item] = [i for i in section.items if i.values.get("field") in fields]
            return replace(section, items=items)
        field = _section_field(policy, section.key)
        return section if field is not None and field in fields else None

    sections = [s for s in (keep(section) for section in package.sections) if s is not None]
    details = [row for row in package.details if row["key"] in fields]
    return replace(package, details=details, sections=sections, flags=[])

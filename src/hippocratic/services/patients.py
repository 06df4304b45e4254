"""Patients as staff meet them (registered by a booking, a referral or an enquiry, each
through its form's notice: ``appointments``, ``referrals``, ``cases``), found by their
identifiers, and shown field by field as the guard lets the reader see them, with why a
field is masked. Opening a record from an inbound call needs the identifiers the caller gave
to be recorded (S0-37); they go on the audit event of that read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hippocratic.errors import InputError
from hippocratic.policy.document import Policy
from hippocratic.policy.record_binding import PatientBinding, RecordBindings
from hippocratic.services.field_input import clean_values
from hippocratic.services.field_value import FieldValue
from hippocratic.services.patient_listing import PatientListing
from hippocratic.services.records import Records

MIN_IDENTIFIERS = 2
"""An inbound caller is matched on at least two things the record holds (name and date of
birth, say): one alone is too easily known by someone else."""


class ContactChannel(StrEnum):
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"


@dataclass(frozen=True)
class InboundContact:
    """Someone got in touch and asked about a record: how, and what staff checked."""

    channel: ContactChannel
    checked: Sequence[str]
    """The fields whose values the caller gave and staff matched against the record."""


@dataclass(frozen=True)
class PatientDetails:
    subject_id: str
    purpose: str
    fields: dict[str, FieldValue]
    titles: dict[str, str]
    """Each shown field's name, in the policy's order."""


@dataclass(frozen=True)
class PatientSummary:
    subject_id: str
    fields: dict[str, FieldValue]


def record_fields(policy: Policy) -> set[str]:
    """Fields that live in clinic records (appointments, entries, ...), not on the patient."""
    bound: set[str] = set()
    bindings = policy.records
    for kind in RecordBindings.model_fields:
        binding = getattr(bindings, kind)
        if binding is None or kind == "patient":
            continue
        for name, value in binding:
            if name.endswith("_field") and isinstance(value, str):
                bound.add(value)
            elif name == "fields":
                bound.update(value)
    return bound


def patient_fields(policy: Policy, purpose: str) -> list[str]:
    """The patient's own fields ``purpose`` may use, in the policy's order: its categories'
    fields, minus those kept in clinic records and special-category ones it has no Art. 9
    condition for (the guard would refuse the whole read for one such field)."""
    spec = policy.purpose_by_key.get(purpose)
    if spec is None:
        return []
    in_records = record_fields(policy)
    fields = []
    for category in policy.categories:
        if category.key not in spec.categories:
            continue
        if (category.special_category or category.health_revealing) and not (
            spec.special_condition
        ):
            continue
        fields += [f.key for f in category.fields if f.key not in in_records and not f.card_number]
    return fields


class Patients(PatientListing):
    def default_purpose(self) -> str:
        binding: PatientBinding | None = self.policy.records.patient
        if binding is not None and binding.purpose in self.compiled.roles[self.actor.role].purposes:
            return binding.purpose
        role = self.compiled.roles.get(self.actor.role)
        return next(iter(sorted(role.purposes)), "") if role else ""

    def update(
        self, subject: str, values: Mapping[str, object], purpose: str | None = None
    ) -> PatientDetails:
        cleaned = clean_values(self.policy, values, self.today())
        if not cleaned:
            raise InputError("nothing to change", field="fields")
        Records(self.store, self.actor).update(subject, purpose or self.default_purpose(), cleaned)
        return self.view(subject, purpose)

    def view(
        self,
        subject: str,
        purpose: str | None = None,
        inbound: InboundContact | None = None,
        request_id: str | None = None,
    ) -> PatientDetails:
        """Every patient field ``purpose`` may use, shown as the guard allows: in full, masked
        with why, or erased."""
        reason = None
        if inbound is not None:
            reason = self._identity_check(inbound)
            binding = self.policy.records.patient
            if purpose is None and binding is not None and binding.identification_purpose:
                purpose = binding.identification_purpose
        purpose = purpose or self.default_purpose()
        fields = patient_fields(self.policy, purpose)
        values = Records(self.store, self.actor).read(subject, purpose, fields, request_id, reason)
        titles = {f: self.compiled.title("field", f) for f in fields}
        return PatientDetails(subject, purpose, values, titles)

    def _identity_check(self, inbound: InboundContact) -> str:
        known = {
            f.key
            for c in self.policy.categories
            if c.key in ("identity", "contact")
            for f in c.fields
        }
        checked = list(dict.fromkeys(inbound.checked))
        strange = [field for field in checked if field not in known]
        if strange:
            raise InputError(
                f"{strange[0]!r} is not an identifier to check a caller against",
                field="checked",
                hint=f"check: {', '.join(sorted(known))}",
            )
        if len(checked) < MIN_IDENTIFIERS:
            raise InputError(
                f"before opening a record for someone who got in touch, check at least "
                f"{MIN_IDENTIFIERS} things the record holds and say which (S0-37)",
                field="checked",
                hint="e.g. full name and date of birth",
            )
        return f"inbound {inbound.channel.value}; identity checked: {', '.join(checked)}"

    def search(
        self, criteria: Mapping[str, str], purpose: str | None = None
    ) -> list[PatientSummary]:
        """Patients matching every identifier in ``criteria``, with their names: the search
        is decided (a masked field cannot be searched on), then each match shown is audited."""
        purpose = purpose or self.default_purpose()
        found = Records(self.store, self.actor).search(purpose, criteria)
        if not found:
            return []
        listed = self.listed(
            purpose,
            [],
            lambda _session, _visible: found,
            lambda subject: subject,
            len(found),
            "search results",
        )
        return [PatientSummary(s, self.names_of(listed, s)) for s in found]

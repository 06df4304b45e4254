"""Which policy field each part of a clinic record is, and the purpose it is kept for.

A clinic's records (appointments, referrals, clinical entries, communications, payments,
enquiries and complaints) are typed, multi-instance records. The policy binds each of their
personal-data parts to one of its own fields, so every stored value is classified by a
category the notice describes, and the guard decides on it as it does on any field. A record
kind the policy does not bind is one the organisation does not keep: Hippocratic refuses to
store it, because the notice does not say it is collected.
"""

from __future__ import annotations

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel


class PatientBinding(PolicyModel):
    purpose: Key
    """The purpose staff read and update a patient's details for, unless they name another."""
    identification_purpose: Key | None = None
    """The purpose of checking who is calling before a record is opened (S0-37)."""
    contact_fields: list[Key] = Field(default_factory=list)
    """The patient's contact details, whose accuracy is confirmed with them (S0-118)."""
    confirm_contact_after_months: int | None = Field(default=None, ge=1, le=120)
    """A booking for a patient whose contact details were last given or confirmed longer ago
    than this must confirm them with the patient first; none: never asked."""


class AppointmentBinding(PolicyModel):
    purpose: Key
    service_field: Key
    """The field that holds which service was booked (it reveals health for most services)."""
    form: Key | None = None
    """The capture form whose notice a booking presents."""


class ReferralBinding(PolicyModel):
    purpose: Key
    referrer_field: Key
    letter_field: Key
    """The referral letter with its clinical question."""
    form: Key | None = None


class ClinicalEntryBinding(PolicyModel):
    purpose: Key
    fields: list[Key] = Field(min_length=1)
    """The kinds of clinical entry kept, each a special-category field (medical history, scan
    report, image metadata, obstetric report)."""


class CommunicationBinding(PolicyModel):
    purpose: Key
    summary_field: Key
    recording_field: Key | None = None
    """Where call recordings are kept; none means calls are never recorded."""
    recording_purpose: Key | None = None
    """The purpose recordings are made for; if it rests on consent, a recording needs the
    patient's live consent as well as the recording notice."""


class PaymentBinding(PolicyModel):
    purpose: Key
    method_field: Key
    card_field: Key | None = None
    """A card field (``card_number: true``): only a processor token and the last four digits
    are kept, never the card number."""
    bank_field: Key | None = None


class CaseBinding(PolicyModel):
    purpose: Key
    text_field: Key
    form: Key | None = None


class FraudMarkerBinding(PolicyModel):
    purpose: Key
    """The purpose markers are recorded, reviewed and read for (fraud prevention)."""
    marker_field: Key
    """The field whose category classifies a marker (its basis, evidence and review)."""


class RecordBindings(PolicyModel):
    patient: PatientBinding | None = None
    appointment: AppointmentBinding | None = None
    referral: ReferralBinding | None = None
    clinical_entry: ClinicalEntryBinding | None = None
    communication: CommunicationBinding | None = None
    payment: PaymentBinding | None = None
    enquiry: CaseBinding | None = None
    complaint: CaseBinding | None = None
    fraud_marker: FraudMarkerBinding | None = None

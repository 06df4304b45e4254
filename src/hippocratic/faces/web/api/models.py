"""What API requests carry, as strict models: unknown members are refused, text has limits,
times carry their offset. These are the OpenAPI schemas clients see."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from hippocratic.domain.consent import ConsentKind, Control
from hippocratic.faces.web.record_id import BodyId
from hippocratic.services.appointments import AppointmentStatus
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.cases import CaseKind
from hippocratic.services.communications import CommunicationChannel, Direction
from hippocratic.services.patients import ContactChannel
from hippocratic.services.payments import PaymentMethod
from hippocratic.services.referrals import ReferrerKind

Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=20_000)]
Values = Annotated[
    dict[Key, Annotated[str, StringConstraints(max_length=2000)]], Field(max_length=40)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class NoticeIn(Strict):
    """The privacy notice presented before the data was taken (S0-06)."""

    version: Key
    form: Key
    channel: Channel = Channel.WEB

    def capture(self) -> Capture:
        return Capture(self.form, self.version, self.channel)


class BookingIn(Strict):
    service: Key
    starts_at: AwareDatetime
    notice: NoticeIn | None = None
    subject: BodyId | None = None
    patient: Values | None = None
    clinician: Key | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    location: Short | None = None
    referral_id: BodyId | None = None
    contact_confirmed: bool = False
    """The patient confirmed their contact details are still right (asked when stale)."""


class StatusIn(Strict):
    status: AppointmentStatus


class ReferralIn(Strict):
    referrer_kind: ReferrerKind
    referrer: Short
    letter: Long
    reason: Annotated[str, StringConstraints(max_length=2000)]
    notice: NoticeIn | None = None
    subject: BodyId | None = None
    patient: Values | None = None


class ReferralDecisionIn(Strict):
    accept: bool
    clinician: Key | None = None


class ClinicalEntryIn(Strict):
    field: Key
    content: Long
    appointment_id: BodyId | None = None
    supersedes: BodyId | None = None


class RecordingIn(Strict):
    content: Annotated[str, StringConstraints(max_length=2000)]
    notice_given_at: AwareDatetime | None = None


class CommunicationIn(Strict):
    direction: Direction
    channel: CommunicationChannel
    summary: Annotated[str, StringConstraints(max_length=5000)]
    purpose: Key | None = None
    occurred_at: AwareDatetime | None = None
    recording: RecordingIn | None = None


class CardIn(Strict):
    processor_token: Short
    last_four: Annotated[str, StringConstraints(max_length=4)]


class PaymentIn(Strict):
    method: PaymentMethod
    amount_pence: int = Field(ge=1, le=10_000_000)
    currency: Annotated[str, StringConstraints(max_length=3)] = "GBP"
    card: CardIn | None = None
    bank_details: Short | None = None
    appointment_id: BodyId | None = None


class CaseIn(Strict):
    kind: CaseKind
    text: Long
    channel: Channel
    notice: NoticeIn | None = None
    subject: BodyId | None = None
    person: Values | None = None


class OutcomeIn(Strict):
    outcome: Long | None = None


class PatientUpdateIn(Strict):
    fields: Values
    purpose: Key | None = None


class InboundIn(Strict):
    channel: ContactChannel
    checked: Annotated[list[Key], Field(max_length=10)]
    purpose: Key | None = None


class BreakGlassIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=2000)]
    minutes: int = Field(default=60, ge=1, le=720)


class FindingIn(Strict):
    finding: Annotated[str, StringConstraints(max_length=2000)]


class Art14CloseIn(Strict):
    outcome: Annotated[str, StringConstraints(max_length=2000)]
    exempt: bool = False


class PresentationIn(Strict):
    """How the question was put: the control acted on, whether it started ticked, and whether
    it stood on its own (not tied to the terms, a booking or another purpose)."""

    control: Control
    pre_ticked: bool = False
    separate: bool = True


class ConsentIn(Strict):
    purpose: Key
    kind: ConsentKind = ConsentKind.GRANTED
    method: Key
    """web_form, portal, in_person, phone, paper_form, email, letter, sms_reply, …"""
    presentation: PresentationIn
    wording: Long | None = None
    """The exact words shown; required for a yes."""
    channels: Annotated[list[Key], Field(max_length=8)] = []
    evidence: Annotated[str, StringConstraints(max_length=1000)] | None = None
    notice_version: Key | None = None
    service: Key | None = None


class WithdrawalIn(Strict):
    purpose: Key
    method: Key
    control: Control = Control.SPOKEN
    channels: Annotated[list[Key], Field(max_length=8)] = []
    evidence: Annotated[str, StringConstraints(max_length=1000)] | None = None


class CriterionIn(Strict):
    fact: Key
    value: Short


class AudienceIn(Strict):
    purpose: Key | None = None
    channel: Key
    criteria: Annotated[list[CriterionIn], Field(max_length=10)] = []
    columns: Annotated[list[Key], Field(max_length=10)] = []
    order_by: Key | None = None
    service: Key | None = None
    """The organisation's own service the campaign is about (a soft opt-in needs one)."""


class CampaignIn(Strict):
    name: Short
    purpose: Key | None = None
    channel: Key
    subject_line: Short
    body: Long
    criteria: Annotated[list[CriterionIn], Field(max_length=10)] = []
    service: Key | None = None
    """The organisation's own service it is about (a soft opt-in needs one: S0-42)."""

"""What the portal shows a patient of their own record, in plain words: their details by
category, and each kind of clinic record the organisation keeps (appointments, referrals,
clinical records, messages, payments, enquiries, complaints, and records of suspected fraud
not under the crime exemption), read through the same services staff use, as the patient,
under the policy's rights purpose.

Every value says how the patient is shown it: in full, partly withheld (a card number is only
ever its last four digits), withheld (with why), or erased. A kind of record the guard refuses
the patient is listed as withheld, with the guard's reason, never silently left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from hippocratic.errors import AccessDenied
from hippocratic.guard.compiled_policy import CompiledPolicy
from hippocratic.policy.document import Policy
from hippocratic.services.actor import Actor
from hippocratic.services.appointments import Appointment, Appointments
from hippocratic.services.cases import Case, CaseKind, Cases
from hippocratic.services.clinical_entries import ClinicalEntries, ClinicalEntry
from hippocratic.services.communications import Communication, Communications
from hippocratic.services.field_value import FieldState, FieldValue
from hippocratic.services.fraud_markers import FraudMarker, FraudMarkers, MarkerStatus
from hippocratic.services.page import MAX_LIMIT, Page
from hippocratic.services.patients import PatientDetails
from hippocratic.services.payments import Payment, Payments
from hippocratic.services.referrals import Referral, Referrals
from hippocratic.services.store import Store

LONDON = ZoneInfo("Europe/London")


class Showing(StrEnum):
    SHOWN = "shown"
    PARTLY_WITHHELD = "partly_withheld"
    """Some of it is shown (a card number's last four digits), the rest withheld."""
    WITHHELD = "withheld"
    ERASED = "erased"


@dataclass(frozen=True)
class Shown:
    """One value as the patient is shown it; ``why`` says why it is not shown in full."""

    showing: Showing
    text: str | None
    why: str | None = None


@dataclass(frozen=True)
class Line:
    label: str
    value: Shown


@dataclass(frozen=True)
class CategoryDetails:
    key: str
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class RecordItem:
    ref: str
    at: datetime
    heading: str
    lines: list[Line]
    challengeable: bool = False
    """The patient may put their side of it on the record (a fraud marker still standing)."""


@dataclass(frozen=True)
class RecordSection:
    key: str
    title: str
    items: list[RecordItem] = field(default_factory=list)
    withheld: str | None = None
    """Why the patient is not shown this kind of record, if they are not."""
    more: bool = False
    """There are older items than these."""


def shown(value: FieldValue | str | None) -> Shown:
    if value is None:
        return Shown(Showing.SHOWN, None)
    if isinstance(value, str):
        return Shown(Showing.SHOWN, value)
    if value.state is FieldState.ERASED:
        return Shown(Showing.ERASED, None, "your data was erased at your request")
    if value.state is FieldState.MASKED:
        whole = value.value is None or value.value == "[redacted]"
        if whole:
            return Shown(Showing.WITHHELD, None, value.why)
        return Shown(Showing.PARTLY_WITHHELD, value.value, value.why)
    return Shown(Showing.SHOWN, value.value)


def when(moment: datetime) -> str:
    """A moment as a person in the UK reads it: ``Mon 30 Nov 2026, 09:00``."""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


def words(value: str) -> str:
    """A stored code in words: ``did_not_attend`` is ``Did not attend``."""
    return value.replace("_", " ").capitalize()


def details(policy: Policy, held: PatientDetails) -> list[CategoryDetails]:
    """The patient's own fields, grouped by the policy's categories, in the policy's order."""
    grouped: list[CategoryDetails] = []
    for category in policy.categories:
        lines = [
            Line(held.titles[spec.key], shown(held.fields[spec.key]))
            for spec in category.fields
            if spec.key in held.fields
        ]
        if lines:
            grouped.append(CategoryDetails(category.key, category.title, lines))
    return grouped


class PortalRecords:
    """The clinic records of one patient, as they themselves are shown them."""

    def __init__(self, store: Store, actor: Actor, compiled: CompiledPolicy, purpose: str):
        self.store, self.actor, self.compiled, self.purpose = store, actor, compiled, purpose
        self.policy = store.policy_of(actor.organisation)

    def sections(self, subject: str) -> list[RecordSection]:
        records, found = self.policy.records, []
        store, actor, purpose = self.store, self.actor, self.purpose
        if records.appointment is not None:
            service = Appointments(store, actor)
            found.append(
                self._section(
                    "appointment",
                    "Appointments",
                    self._appointment,
                    lambda: service.for_patient(subject, purpose, limit=MAX_LIMIT),
                )
            )
        if records.referral is not None:
            referrals = Referrals(store, actor)
            found.append(
                self._section(
                    "referral",
                    "Referrals",
                    self._referral,
                    lambda: referrals.for_patient(subject, purpose, limit=MAX_LIMIT),
                )
            )
        if records.clinical_entry is not None:
            entries = ClinicalEntries(store, actor)
            found.append(
                self._section(
                    "clinical_entry",
                    "Clinical records",
                    self._entry,
                    lambda: entries.for_patient(subject, purpose, limit=MAX_LIMIT),
                )
            )
        if records.communication is not None:
            messages = Communications(store, actor)
            found.append(
                self._section(
                    "communication",
                    "Calls, emails and letters",
                    self._communication,
                    lambda: messages.for_patient(subject, purpose, limit=MAX_LIMIT),
                )
            )
        if records.payment is not None:
            payments = Payments(store, actor)
            found.append(
                self._section(
                    "payment",
                    "Payments",
                    self._payment,
                    lambda: payments.for_patient(subject, purpose, limit=MAX_LIMIT),
                )
            )
        cases = Cases(store, actor)
        for kind, title in ((CaseKind.ENQUIRY, "Enquiries"), (CaseKind.COMPLAINT, "Complaints")):
            if getattr(records, kind.value) is not None:
                read = partial(cases.for_patient, subject, kind, purpose)
                found.append(self._section(kind.value, title, self._case, read))
        if records.fraud_marker is not None:
            fraud = FraudMarkers(store, actor)
            found.append(
                self._section(
                    "fraud_marker",
                    "Records of suspected fraud",
                    self._marker,
                    lambda: Page(fraud.disclosable(subject, purpose), None),
                )
            )
        return found

    @staticmethod
    def _section(
        key: str, title: str, item: Callable[[Any], RecordItem], read: Callable[[], Page[Any]]
    ) -> RecordSection:
        try:
            page = read()
        except AccessDenied as refused:
            return RecordSection(key, title, withheld=refused.message)
        return RecordSection(
            key, title, [item(record) for record in page.items], None, page.next is not None
        )

    def _appointment(self, record: Appointment) -> RecordItem:
        service = shown(record.service_title or record.service)
        lines = [
            Line("What", service),
            Line("How long", shown(f"{record.duration_minutes} min")),
            Line("Status", shown(words(record.status.value))),
        ]
        if record.location:
            lines.insert(1, Line("Where", shown(record.location)))
        return RecordItem(
            f"appointment:{record.appointment_id}", record.starts_at, when(record.starts_at), lines
        )

    def _referral(self, record: Referral) -> RecordItem:
        who = "your GP" if record.referrer_kind.value == "gp" else "another healthcare provider"
        lines = [
            Line("From", shown(record.referrer)),
            Line("Why", shown(record.reason)),
            Line("Letter", shown(record.letter)),
            Line("Status", shown(words(record.status.value))),
        ]
        return RecordItem(
            f"referral:{record.referral_id}",
            record.received_at,
            f"Referral from {who}, received {when(record.received_at)}",
            lines,
        )

    def _entry(self, record: ClinicalEntry) -> RecordItem:
        return RecordItem(
            f"clinical_entry:{record.entry_id}",
            record.created_at,
            f"{record.title}, {when(record.created_at)}",
            [Line(record.title, shown(record.content))],
        )

    def _communication(self, record: Communication) -> RecordItem:
        direction = "From you" if record.direction.value == "inbound" else "From us"
        lines = [
            Line("Why", shown(self.compiled.title("purpose", record.purpose))),
            Line("Summary", shown(record.summary)),
        ]
        if record.has_recording:
            lines.append(Line("Recording", shown("A recording of this call is kept")))
        return RecordItem(
            f"communication:{record.communication_id}",
            record.occurred_at,
            f"{direction} by {words(record.channel.value).lower()}, {when(record.occurred_at)}",
            lines,
        )

    def _payment(self, record: Payment) -> RecordItem:
        pounds = f"£{record.amount_pence // 100}.{record.amount_pence % 100:02d}"
        lines = [
            Line("Amount", shown(pounds)),
            Line("How", shown(record.method)),
            Line("Status", shown(words(record.status.value))),
        ]
        if record.card_last_four is not None:
            lines.insert(2, Line("Card", shown(record.card_last_four)))
        if record.bank_details is not None:
            lines.insert(2, Line("Bank account", shown(record.bank_details)))
        return RecordItem(
            f"payment:{record.payment_id}",
            record.taken_at,
            f"Payment, {when(record.taken_at)}",
            lines,
        )

    def _case(self, record: Case) -> RecordItem:
        lines = [
            Line("What you told us", shown(record.text)),
            Line("Status", shown(words(record.status.value))),
        ]
        if record.outcome is not None:
            lines.append(Line("Outcome", shown(record.outcome)))
        kind = "Enquiry" if record.kind is CaseKind.ENQUIRY else "Complaint"
        return RecordItem(
            f"{record.kind.value}:{record.case_id}",
            record.received_at,
            f"{kind}, {when(record.received_at)}",
            lines,
        )

    def _marker(self, record: FraudMarker) -> RecordItem:
        lines = [
            Line("What we think was not true", shown(record.basis)),
            Line("What shows it", shown(record.evidence)),
            Line("Where it stands", shown(MARKER_WORDS[record.status])),
        ]
        if record.statement is not None:
            lines.append(Line("What you told us", shown(record.statement)))
        if record.withdrawn_reason is not None:
            lines.append(Line("Why we withdrew it", shown(record.withdrawn_reason)))
        return RecordItem(
            f"fraud_marker:{record.marker_id}",
            record.recorded_at,
            f"Suspected fraud, recorded {when(record.recorded_at)}",
            lines,
            challengeable=record.status in (MarkerStatus.PROPOSED, MarkerStatus.CONFIRMED),
        )


MARKER_WORDS = {
    MarkerStatus.PROPOSED: "Not yet checked by a second person: nothing is done on it until then",
    MarkerStatus.CONFIRMED: "Checked by a second person",
    MarkerStatus.REJECTED: "Checked and found not to stand",
    MarkerStatus.WITHDRAWN: "Withdrawn: it was wrong",
}

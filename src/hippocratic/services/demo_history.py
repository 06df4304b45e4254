"""A demo clinic's last few weeks, made through the services as its staff would have made it:
visits attended with their reports, calls and emails logged, payments taken, GP referrals
received (each opening its Art. 14 notice) and enquiries, so every page of the console has
something real to show. Every value is synthetic (see ``demo``); every step is decided by the
guard and on the ledger like any other."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.policy.document import Policy
from hippocratic.services import staff
from hippocratic.services.actor import Actor
from hippocratic.services.appointments import (
    CARE_FOLLOW_UP,
    Appointments,
    AppointmentStatus,
    Booking,
)
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.cases import CaseKind, Cases, NewCase
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.demo import HISTORY, LONDON, faker, person
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.referrals import Intake, Referrals, ReferrerKind
from hippocratic.services.store import Store

REPORTS = {
    "obstetric_report": (
        "Single viable intrauterine pregnancy; growth consistent with dates.",
        "Twin pregnancy, dichorionic; both growing normally.",
        "Placenta posterior and clear of the cervix; liquor volume normal.",
    ),
    "scan_report": (
        "Normal study. No abnormality seen.",
        "Small simple cyst noted; suggest a repeat scan in 6 months.",
        "Mild fatty change of the liver; lifestyle advice to be discussed with the GP.",
    ),
    "clinical_notes": (
        "Seen and examined; advice given, no follow-up needed.",
        "Exercises taught; review in four weeks.",
        "Bloods taken; results to follow by letter.",
    ),
}
"""What a clinician might write, by the kind of report (any other kind gets the last)."""

CALLS = (
    (Direction.INBOUND, CommunicationChannel.PHONE, "Asked to move the appointment later"),
    (Direction.INBOUND, CommunicationChannel.PHONE, "Asked how to prepare for the scan"),
    (Direction.OUTBOUND, CommunicationChannel.EMAIL, "Sent the appointment confirmation"),
    (Direction.OUTBOUND, CommunicationChannel.SMS, "Reminder sent the day before"),
    (Direction.INBOUND, CommunicationChannel.EMAIL, "Asked whether parking is available"),
)
REFERRALS = (
    ("Right upper quadrant pain after meals", "Please scan the gallbladder and liver."),
    ("Pelvic pain for three months", "Please perform a pelvic ultrasound."),
    ("Lump in the left breast", "Please scan the left breast, urgent."),
)
ENQUIRIES = (
    "Do you offer weekend appointments?",
    "How much does a pregnancy scan cost, and can my partner come?",
    "Can I get a copy of my last report sent to my GP?",
)
PRICES = (7500, 9900, 12500, 14900)


@dataclass(frozen=True)
class DemoHistory:
    visits: int
    reports: int
    communications: int
    payments: int
    referrals: int
    enquiries: int
    consents: int = 0


@dataclass(frozen=True)
class _Desk:
    """The demo staff who do each job (accounts made by ``demo.seed_staff``: username = role)."""

    reception: Actor
    billing: Actor | None
    clinicians: list[Actor]


def _actor(policy: Policy, organisation: str, purpose: str | None) -> Actor | None:
    """A demo account of a role, not needing a care relationship, that has ``purpose``."""
    for role in policy.roles:
        if purpose in role.purposes and not role.care_relationship_required:
            return Actor(organisation, role.key, role.key)
    return None


def _desk(store: Store, organisation: str, policy: Policy) -> _Desk | None:
    records = policy.records
    if records.appointment is None:
        return None
    reception = _actor(policy, organisation, records.appointment.purpose)
    billing = _actor(policy, organisation, records.payment.purpose) if records.payment else None
    clinicians = [
        Actor(organisation, member.username, member.role)
        for member in staff.clinicians(store, organisation)
    ]
    if reception is None or not clinicians:
        return None
    return _Desk(reception, billing, clinicians)


def seed_history(
    store: Store, organisation: str, subjects: list[str], today: date, seed_value: int = 2028
) -> DemoHistory:
    """For about half of ``subjects``: a visit in the last three weeks, attended, its report
    written by the clinician seen, paid for, and often a call or an email about it; then a few
    GP referrals of new patients (half accepted) and a few enquiries."""
    policy = store.policy_of(organisation)
    desk = _desk(store, organisation, policy)
    form = policy.form_by_key.get("booking")
    if desk is None or form is None or not policy.services:
        return DemoHistory(0, 0, 0, 0, 0, 0)
    rng = random.Random(seed_value)
    version = policy.notice.version
    booking = Appointments(store, desk.reception)
    calls = Communications(store, desk.reception) if policy.records.communication else None
    counts = {"visits": 0, "reports": 0, "communications": 0, "payments": 0}
    latest = min(21, CARE_FOLLOW_UP.days - 2)
    entries = policy.records.clinical_entry
    asked = [
        f
        for f in form.fields
        if entries is not None and f in entries.fields and policy.field_by_key[f].required
    ]
    for number, subject in enumerate(subjects):
        if rng.random() >= 0.5:
            continue
        service = rng.choice(policy.services)
        clinician = desk.clinicians[number % len(desk.clinicians)]
        day = today - timedelta(days=rng.randrange(1, latest))
        starts = datetime.combine(day, time(9 + rng.randrange(8), 30 * rng.randrange(2)), LONDON)
        visit = booking.book(
            Booking(
                service.key,
                starts.astimezone(UTC),
                Capture(form.key, version, Channel.PHONE),
                subject=subject,
                patient={f: rng.choice(HISTORY) for f in asked} or None,
                clinician=clinician.actor,
            ),
            request_id=f"demo-visit-{number}",
        )
        booking.set_status(subject, visit.appointment_id, AppointmentStatus.ATTENDED)
        counts["visits"] += 1
        field = service.report_field or (entries.fields[0] if entries else None)
        if entries is not None and field in entries.fields:
            ClinicalEntries(store, clinician).add(
                subject,
                field,
                rng.choice(REPORTS.get(field, REPORTS["clinical_notes"])),
                appointment_id=visit.appointment_id,
            )
            counts["reports"] += 1
        if desk.billing is not None:
            _pay(store, policy, desk.billing, subject, visit.appointment_id, rng)
            counts["payments"] += 1
        if calls is not None and rng.random() < 0.6:
            direction, channel, summary = rng.choice(CALLS)
            calls.log(subject, direction, channel, summary)
            counts["communications"] += 1
    referrals = _referrals(store, policy, desk, today, rng)
    enquiries = _enquiries(store, policy, desk.reception, subjects, rng)
    consents = _consents(store, policy, desk.reception, subjects, rng)
    return DemoHistory(referrals=referrals, enquiries=enquiries, consents=consents, **counts)


def _consents(
    store: Store, policy: Policy, reception: Actor, subjects: list[str], rng: random.Random
) -> int:
    """About a third of the patients ticked "hear about our services" online (some by text
    too), a few later asked reception to stop; reception recorded a few callers' yes to call
    recording. Returns the number of consent events."""
    purpose = policy.marketing.purpose if policy.marketing else None
    marketer = _actor(policy, reception.organisation, purpose)
    spec = policy.purpose_by_key[purpose].consent if purpose else None
    recording = policy.records.communication
    recorded = recording.recording_purpose if recording else None
    events = 0
    for subject in subjects:
        if marketer is not None and spec is not None and rng.random() < 0.35:
            channels = tuple(spec.channels[: 1 + (rng.random() < 0.4)])
            events += len(Consents(store, marketer).record(subject, ConsentChoice(
                purpose or "", ConsentKind.GRANTED, "web_form", Presentation(Control.CHECKBOX),
                wording=spec.wording, channels=channels,
            )))  # fmt: skip
            if rng.random() < 0.15:
                events += len(Consents(store, reception).record(subject, ConsentChoice(
                    purpose or "", ConsentKind.WITHDRAWN, "phone", Presentation(Control.SPOKEN),
                    evidence="asked on the phone to stop the offers",
                )))  # fmt: skip
        if recorded and recorded in policy.purpose_by_key and rng.random() < 0.2:
            wording = policy.purpose_by_key[recorded].consent
            events += len(Consents(store, reception).record(subject, ConsentChoice(
                recorded, ConsentKind.GRANTED, "phone", Presentation(Control.SPOKEN),
                wording=wording.wording if wording else None,
                evidence="said yes when asked at the start of the call",
            )))  # fmt: skip
    return events


def _pay(
    store: Store,
    policy: Policy,
    billing: Actor,
    subject: str,
    appointment: str,
    rng: random.Random,
) -> None:
    binding = policy.records.payment
    assert binding is not None
    amount = rng.choice(PRICES)
    payments = Payments(store, billing)
    if binding.card_field:
        card = CardPayment(f"tok_demo_{secrets.token_hex(8)}", f"{rng.randrange(10_000):04d}")
        payments.record(subject, PaymentMethod.CARD, amount, card=card, appointment_id=appointment)
    else:
        method = rng.choice((PaymentMethod.INSURER, PaymentMethod.CASH))
        payments.record(subject, method, amount, appointment_id=appointment)


def _referrals(store: Store, policy: Policy, desk: _Desk, today: date, rng: random.Random) -> int:
    binding = policy.records.referral
    form = policy.form_by_key.get(binding.form) if binding and binding.form else None
    if binding is None or form is None:
        return 0
    referrals = Referrals(store, desk.reception)
    fake = faker(rng.randrange(1 << 30))
    made = 0
    for number, (reason, letter) in enumerate(REFERRALS):
        candidate = person(fake, rng, 2000 + number)
        fields = [f for f in form.fields if f not in (binding.referrer_field, binding.letter_field)]
        referral = referrals.intake(
            Intake(
                ReferrerKind.GP,
                f"Dr {candidate['full_name'].split()[-1]}-Example, Example Surgery",
                letter,
                reason,
                Capture(form.key, policy.notice.version, Channel.POST),
                patient={f: candidate[f] for f in fields if f in candidate},
            ),
            request_id=f"demo-referral-{number}",
        )
        if number % 2 == 0:
            clinician = desk.clinicians[number % len(desk.clinicians)]
            referrals.decide(
                referral.subject_id, referral.referral_id, accept=True, clinician=clinician.actor
            )
        made += 1
    return made


def _enquiries(
    store: Store, policy: Policy, reception: Actor, subjects: list[str], rng: random.Random
) -> int:
    binding = policy.records.enquiry
    form = policy.form_by_key.get(binding.form) if binding and binding.form else None
    if binding is None or form is None or not subjects:
        return 0
    cases = Cases(store, reception)
    for number, text in enumerate(ENQUIRIES):
        cases.open(
            NewCase(
                CaseKind.ENQUIRY,
                text,
                Channel.EMAIL,
                Capture(form.key, policy.notice.version, Channel.EMAIL),
                subject=rng.choice(subjects),
            ),
            request_id=f"demo-enquiry-{number}",
        )
    return len(ENQUIRIES)

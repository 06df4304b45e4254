"""Synthetic demo data: patients (test-range NHS numbers and reserved example.org addresses
only), a member of staff per role, and a day of appointments."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker

from hippocratic.domain.nhs_number import synthetic
from hippocratic.services import sign_in, staff
from hippocratic.services.appointments import Appointments, Booking
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store

LONDON = ZoneInfo("Europe/London")

HISTORY = [
    "No relevant history",
    "Previous appendectomy",
    "Asthma",
    "Type 2 diabetes",
    "Pregnant, 12 weeks",
    "Gallstones suspected",
]


def faker(seed_value: int) -> Faker:
    fake = Faker("en_GB")
    fake.seed_instance(seed_value)
    return fake


def person(fake: Faker, rng: random.Random, number: int) -> dict[str, str]:
    """A made-up person: a British-sounding name from Faker (en_GB), an example.org address,
    an Ofcom drama-range mobile number and a test-range NHS number, so nothing is anyone's."""
    given, family = fake.first_name(), fake.last_name()
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    return {
        "full_name": f"{given} {family}",
        "date_of_birth": born.isoformat(),
        "email": f"{given}.{family}{number}@example.org".lower().replace("'", "").replace(" ", ""),
        "phone": f"07700 900{rng.randrange(1000):03d}",
        "nhs_number": synthetic(rng),
        "medical_history": rng.choice(HISTORY),
        "health_details": rng.choice(HISTORY),
    }


def seed(store: Store, organisation: str, patients: int = 20, seed_value: int = 2026) -> list[str]:
    """Register ``patients`` synthetic patients through the guard, as reception would."""
    rng, fake = random.Random(seed_value), faker(seed_value)
    with store.sessions() as session:
        policy = store.policy(session, organisation)
    role = next((r for r in policy.roles if not r.care_relationship_required), None)
    if role is None:
        return []
    records = Records(store, Actor(organisation, "demo-seeder", role.key))
    purpose = next(p for p in role.purposes if not policy.purpose_by_key[p].consent_required)
    covered = set(policy.purpose_by_key[purpose].categories)
    subjects = []
    for number in range(patients):
        candidates = person(fake, rng, number)
        values = {
            field: value
            for field, value in candidates.items()
            if field in policy.field_by_key and policy.category_of_field[field].key in covered
        }
        subjects.append(records.register(purpose, values, request_id=f"demo-{number}"))
    return subjects


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str
    """Random, made now, handed to whoever seeded the demo; only its argon2id hash is kept."""
    totp_secret: str
    """The authenticator secret (base32) already enrolled, so the demo signs in at once."""


def seed_staff(store: Store, organisation: str) -> list[DemoAccount]:
    """One account per role of the policy, named after the role, each with a random password."""
    policy = store.policy_of(organisation)
    accounts = []
    for role in policy.roles:
        password = secrets.token_urlsafe(12)
        # Demo staff have signed and are trained, as a clinic's staff must be (L-13).
        today = store.clock.now().date()
        staff.add(
            store,
            organisation,
            role.key,
            f"Demo {role.title}",
            role.key,
            password,
            confidentiality_signed=today,
            trained=today,
        )
        secret = sign_in.provision(store, organisation, role.key, by="demo-seeder")
        accounts.append(DemoAccount(role.key, role.key, password, secret))
    return accounts


def seed_appointments(
    store: Store, organisation: str, on: date, count: int = 8, seed_value: int = 2027
) -> list[str]:
    """Book ``count`` new synthetic patients on day ``on`` (09:00 onwards, every 30 minutes)
    with the demo clinicians, through the booking form as reception would, the notice given."""
    policy = store.policy_of(organisation)
    clinicians = [m.username for m in staff.clinicians(store, organisation)]
    desk = next((r for r in policy.roles if not r.care_relationship_required), None)
    form = policy.form_by_key.get("booking")
    binding = policy.records.appointment
    if not clinicians or desk is None or not policy.services or form is None or not binding:
        return []
    rng, fake = random.Random(seed_value), faker(seed_value)
    booking = Appointments(store, Actor(organisation, desk.key, desk.key))
    capture = Capture(form.key, policy.notice.version, Channel.PHONE)
    fields = [f for f in form.fields if f != binding.service_field]
    subjects = []
    for number in range(count):
        someone = person(fake, rng, 1000 + number)
        starts = datetime.combine(on, time(9, 0), LONDON) + timedelta(minutes=30 * number)
        booked = booking.book(
            Booking(
                rng.choice(policy.services).key,
                starts.astimezone(UTC),
                capture,
                patient={f: someone[f] for f in fields if f in someone},
                clinician=clinicians[number % len(clinicians)],
            ),
            request_id=f"demo-booking-{number}",
        )
        subjects.append(booked.subject_id)
    return subjects

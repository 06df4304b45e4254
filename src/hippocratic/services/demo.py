"""Synthetic demo patients: test-range NHS numbers and reserved example.org addresses only."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hippocratic.domain.nhs_number import synthetic
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store

GIVEN = ["Alex", "Sam", "Jordan", "Priya", "Tomasz", "Amara", "Niamh", "Owen", "Leila", "Ravi"]
FAMILY = ["Example", "Sample", "Testwell", "Placeholder", "Fictional", "Madeup", "Demo", "Mock"]
HISTORY = [
    "No relevant history",
    "Previous appendectomy",
    "Asthma",
    "Type 2 diabetes",
    "Pregnant, 12 weeks",
    "Gallstones suspected",
]


def seed(store: Store, organisation: str, patients: int = 20, seed_value: int = 2026) -> list[str]:
    """Register ``patients`` synthetic patients through the guard, as reception would."""
    rng = random.Random(seed_value)
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
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        candidates = {
            "full_name": f"{given} {family}",
            "date_of_birth": born.isoformat(),
            "email": f"{given}.{family}{number}@example.org".lower(),
            "phone": f"07700 900{rng.randrange(1000):03d}",
            "nhs_number": synthetic(rng),
            "medical_history": rng.choice(HISTORY),
            "health_details": rng.choice(HISTORY),
        }
        values = {
            field: value
            for field, value in candidates.items()
            if field in policy.field_by_key and policy.category_of_field[field].key in covered
        }
        subjects.append(records.register(purpose, values, request_id=f"demo-{number}"))
    return subjects

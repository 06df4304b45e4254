"""Helpers for tests against the synthetic clinics of ``fixtures/testwell.yaml``."""

from __future__ import annotations

from hippocratic.services.records import Actor, Records
from hippocratic.services.store import Store


def records(store: Store, actor: str, role: str, organisation: str = "testwell") -> Records:
    return Records(store, Actor(organisation, actor, role))


PATIENT = {
    "full_name": "Ada Example",
    "nhs_number": "999 000 0018",
    "email": "ada.example@example.org",
    "phone": "07700 900123",
    "medical_history": "Asthma",
}

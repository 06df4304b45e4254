"""What the clinic-service tests share: staff of both shipped organisations, captures that
present the notice in force, and reading back the audit ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypedDict

from sqlalchemy import select

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.services.actor import Actor
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.consents import ConsentChoice, ConsentEntry, Consents
from hippocratic.services.store import Store
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.staff import StaffRow

STAFF = {
    "harmonic": {
        "rita": "reception",
        "sam": "sonographer",
        "sue": "sonographer",
        "bill": "billing",
        "mo": "marketing",
        "quinn": "quality_reviewer",
        "dee": "dpo",
    },
    "harmony": {"rhea": "reception", "cal": "clinician", "dora": "dpo", "bea": "billing"},
}
NEW_PATIENT = {
    "full_name": "Ada Example",
    "date_of_birth": "1984-03-02",
    "email": "ada.example@example.org",
    "phone": "020 7946 0958",
    "medical_history": "Asthma, well controlled",
}
MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Cleared(TypedDict):
    confidentiality_signed: date
    trained: date


def cleared(store: Store) -> Cleared:
    """``staff.add`` keywords for an account that has signed its confidentiality agreement
    and done its training today (L-13), so it can sign in."""
    today = store.clock.now().date()
    return {"confidentiality_signed": today, "trained": today}


def hire(store: Store) -> None:
    """Staff rows as the staff service would write them (the password is never used here)."""
    with store.sessions.begin() as session:
        for organisation, people in STAFF.items():
            for username, role in people.items():
                session.add(
                    StaffRow(
                        organisation_id=organisation,
                        username=username,
                        display_name=username.title(),
                        role=role,
                        password_hash="$argon2id$unused",
                        totp_last_step=0,
                        failed_attempts=0,
                        created_at=datetime(2026, 1, 1, tzinfo=UTC),
                        confidentiality_signed_at=store.clock.now().date(),
                        training_completed_at=store.clock.now().date(),
                    )
                )


def actor(organisation: str, username: str) -> Actor:
    return Actor(organisation, username, STAFF[organisation][username])


def presented(
    store: Store, organisation: str, form: str, channel: Channel = Channel.PHONE
) -> Capture:
    """The capture of ``form`` after the notice in force was presented."""
    version = store.policy_of(organisation).notice.version
    return Capture(form, version, channel)


CREATION = ("store.initialised", "organisation.added")
"""The first event of every organisation's ledger, there before any test does anything."""


def events(store: Store, organisation: str = "harmonic") -> list[AuditEventRow]:
    """The organisation's events after its creation, in order."""
    with store.sessions() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(
                    AuditEventRow.organisation_id == organisation,
                    AuditEventRow.action.not_in(CREATION),
                )
                .order_by(AuditEventRow.seq)
            )
        )


def agree(
    store: Store,
    who: Actor,
    subject: str,
    purpose: str,
    channels: tuple[str, ...] = (),
    kind: ConsentKind = ConsentKind.GRANTED,
) -> list[ConsentEntry]:
    """``who`` records the patient's spoken yes (or no) to ``purpose``, asked in the policy's
    current words on its own, as staff at the desk would."""
    policy = store.policy_of(who.organisation)
    spec = next(p for p in policy.purposes if p.key == purpose).consent
    choice = ConsentChoice(
        purpose=purpose,
        kind=kind,
        method="in_person",
        presentation=Presentation(Control.SPOKEN),
        wording=spec.wording if spec else None,
        channels=channels,
        evidence="asked at the front desk",
    )
    return Consents(store, who).record(subject, choice)

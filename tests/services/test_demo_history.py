"""The demo clinic's recent past: made through the services, so it is what the console shows
and what the ledger records, for each shipped organisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hippocratic.services import demo
from hippocratic.services.actor import Actor
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.demo_history import seed_history
from hippocratic.services.payments import Payments
from hippocratic.services.store import Store
from hippocratic.storage.clinic import (
    AppointmentRow,
    ClinicalEntryRow,
    CommunicationRow,
    PaymentRow,
    ReferralRow,
)
from hippocratic.storage.consent import ConsentEventRow
from hippocratic.storage.consent_verify import verify_consents
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.ledger_verify import verify


def _count(store: Store, organisation: str, row: type) -> int:
    with store.sessions() as session:
        return (
            session.scalar(
                select(func.count()).select_from(row).where(row.organisation_id == organisation)
            )
            or 0
        )


@pytest.mark.parametrize("organisation", ["harmonic", "harmony"])
def test_the_demo_history_is_made_through_the_services(store: Store, organisation: str) -> None:
    subjects = demo.seed(store, organisation, patients=30)
    demo.seed_staff(store, organisation)
    today = store.clock.now().date()
    made = seed_history(store, organisation, subjects, today)
    assert 5 <= made.visits <= 25 and made.reports == made.visits == made.payments
    assert made.communications >= 1 and made.enquiries == 3
    assert _count(store, organisation, AppointmentRow) == made.visits
    assert _count(store, organisation, ClinicalEntryRow) >= made.reports
    assert _count(store, organisation, PaymentRow) == made.payments
    assert _count(store, organisation, CommunicationRow) == made.communications
    assert _count(store, organisation, ReferralRow) == made.referrals
    assert made.consents >= 1 and _count(store, organisation, ConsentEventRow) == made.consents
    with store.sessions() as session:
        statuses = set(session.scalars(select(AppointmentRow.status).where(
            AppointmentRow.organisation_id == organisation)))  # fmt: skip
        starts = session.scalars(select(AppointmentRow.starts_at)).all()
        actors = set(session.scalars(select(AuditEventRow.actor).where(
            AuditEventRow.organisation_id == organisation)))  # fmt: skip
        public = store.vault.signing_key(organisation).public_key()
        assert verify(session, organisation, public).ok
        assert verify_consents(session, organisation)[1] is None
    assert statuses == {"attended"}
    assert all(s.date() < today for s in starts)
    clinician = "sonographer" if organisation == "harmonic" else "clinician"
    assert {"reception", "billing", clinician} <= actors
    billing = Payments(store, Actor(organisation, "billing", "billing"))
    taken = billing.for_patient(_paid(store, organisation)).items
    if organisation == "harmonic":
        assert taken[0].tokenised and taken[0].card_last_four is not None
        assert made.referrals == 3
        dpo = Actor(organisation, "dpo", "dpo")
        assert len(Art14Tasks(store, dpo).queue().items) == 3
    else:
        assert not taken[0].tokenised and made.referrals == 0


def _paid(store: Store, organisation: str) -> str:
    with store.sessions() as session:
        subject = session.scalar(
            select(PaymentRow.subject_id).where(PaymentRow.organisation_id == organisation)
        )
    assert subject is not None
    return subject

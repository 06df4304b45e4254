"""Consent as the guard sees it: a protocol the consent ledger will implement, and the
in-database store that implements it now."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session
from tests.guard.clinic import PATIENT, records

from hippocratic.errors import NotFound
from hippocratic.guard.consent import DatabaseConsentStore, Operand
from hippocratic.guard.decision import Action
from hippocratic.guard.guard import Guard
from hippocratic.guard.scope import scope
from hippocratic.services.store import Store
from hippocratic.storage.subject import SubjectRow


class NobodyConsents:
    """A consent store that knows of no consent at all."""

    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
    ) -> ColumnElement[bool]:
        return false()

    def record(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("not used here")


@pytest.mark.promise("S0-07")
def test_consent_is_live_until_withdrawn_or_expired(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    consents, now = DatabaseConsentStore(), clinic.clock.now()
    with clinic.sessions.begin() as session:
        assert not consents.is_live(session, "testwell", subject, "marketing", now)
        consents.record(session, "testwell", subject, "marketing", True, now, now + timedelta(1))
        assert consents.is_live(session, "testwell", subject, "marketing", now)
        assert not consents.is_live(session, "testwell", subject, "care", now)
        assert not consents.is_live(session, "otherwell", subject, "marketing", now)
        assert not consents.is_live(session, "testwell", subject, "marketing", now + timedelta(2))
        consents.record(session, "testwell", subject, "marketing", False, now)
        assert not consents.is_live(session, "testwell", subject, "marketing", now)


def test_consent_cannot_be_recorded_for_another_organisations_patient(clinic: Store) -> None:
    subject = records(clinic, "olga", "reception", "otherwell").register("care", PATIENT)
    with clinic.sessions.begin() as session, pytest.raises(NotFound):
        DatabaseConsentStore().record(
            session, "testwell", subject, "marketing", True, clinic.clock.now()
        )


@pytest.mark.promise("S0-07")
def test_the_guard_and_scope_ask_whichever_consent_store_they_are_given(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    records(clinic, "mo", "marketing").record_consent(subject, "marketing", True)
    now = clinic.clock.now()
    with clinic.sessions.begin() as session:
        policy = clinic.policy(session, "testwell")
        for consents, expected in ((DatabaseConsentStore(), True), (NobodyConsents(), False)):
            guard = Guard(session, policy, clinic.clock.now, consents=consents)
            decision = guard.decide("mo", "marketing", "marketing", subject, ["email"], Action.READ)
            assert decision.allowed is expected
            assert _listed(
                session, scope(policy, "mo", "marketing", "marketing", now, consents)
            ) == ([subject] if expected else [])


def _listed(session: Session, visible: ColumnElement[bool]) -> list[str]:
    return list(session.scalars(select(SubjectRow.subject_id).where(visible)))

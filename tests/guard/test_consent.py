"""Consent as the guard sees it: a protocol, and the consent ledger's projection behind it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session
from tests.guard.clinic import PATIENT, records
from tests.services.clinic import agree

from hippocratic.domain.consent import ConsentKind
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.consent import LedgerConsentStore, Terms
from hippocratic.guard.decision import Action
from hippocratic.guard.guard import Guard
from hippocratic.guard.scope import scope
from hippocratic.services.actor import Actor
from hippocratic.services.store import Store
from hippocratic.storage.database import Operand
from hippocratic.storage.subject import SubjectRow

MO = Actor("testwell", "mo", "marketing")


class NobodyConsents:
    """A consent store that knows of no consent at all."""

    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
        terms: Terms,
    ) -> ColumnElement[bool]:
        return false()


@pytest.mark.promise("S0-07")
def test_consent_is_live_until_withdrawn_or_expired(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    consents, now = LedgerConsentStore(), clinic.clock.now()
    terms = compile_policy(clinic.policy_of("testwell")).purposes["marketing"].consent_terms

    def live(organisation: str, purpose: str, at: datetime, accepted: tuple[str, ...]) -> bool:
        with clinic.sessions() as session:
            return consents.is_live(session, organisation, subject, purpose, at, accepted)

    assert not live("testwell", "marketing", now, terms)
    agree(clinic, MO, subject, "marketing")  # lapses after 30 days (the policy says so)
    assert live("testwell", "marketing", now, terms)
    assert not live("testwell", "care", now, terms)
    assert not live("otherwell", "marketing", now, terms)
    assert not live("testwell", "marketing", now + timedelta(days=31), terms)
    assert not live("testwell", "marketing", now, ("other terms",))
    agree(clinic, MO, subject, "marketing", kind=ConsentKind.WITHDRAWN)
    assert not live("testwell", "marketing", now, terms)


@pytest.mark.promise("S0-07")
def test_the_guard_and_scope_ask_whichever_consent_store_they_are_given(clinic: Store) -> None:
    subject = records(clinic, "alice", "reception").register("care", PATIENT)
    agree(clinic, MO, subject, "marketing")
    now = clinic.clock.now()
    with clinic.sessions.begin() as session:
        policy = clinic.policy(session, "testwell")
        for consents, expected in ((LedgerConsentStore(), True), (NobodyConsents(), False)):
            guard = Guard(session, policy, clinic.clock.now, consents=consents)
            decision = guard.decide("mo", "marketing", "marketing", subject, ["email"], Action.READ)
            assert decision.allowed is expected
            assert _listed(
                session, scope(policy, "mo", "marketing", "marketing", now, consents)
            ) == ([subject] if expected else [])


def _listed(session: Session, visible: ColumnElement[bool]) -> list[str]:
    return list(session.scalars(select(SubjectRow.subject_id).where(visible)))

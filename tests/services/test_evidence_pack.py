"""The evidence pack: each promise area's counts and latest dates, computed from the store at the
moment the pack is made: the audit chain verified to the last event (and broken where it was
tampered with), the checkpoint signed and witnessed, rights requests and incidents with their
decisions, disclosures by recipient, Art. 19 notices, processors and DPIAs. DPO only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.services.clinic import actor, events, hire
from tests.services.test_disclosures import referred, report
from tests.services.test_incidents import LAPTOP, REASON
from tests.storage.ledger_store import tamper

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied
from hippocratic.policy.settings import RightName
from hippocratic.services.audit import sign_head
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.evidence_pack import EvidencePack, EvidencePacks
from hippocratic.services.incidents import Incidents
from hippocratic.services.rectification import Rectification
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.ledger import AuditEventRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def pack(clinic: Store, organisation: str = "harmonic", who: str = "dee") -> EvidencePack:
    return EvidencePacks(clinic, actor(organisation, who)).pack()


def chain_length(clinic: Store, organisation: str = "harmonic") -> int:
    with clinic.sessions() as session:
        count = session.scalar(
            select(func.count()).where(AuditEventRow.organisation_id == organisation)
        )
    return int(count or 0)


def test_the_pack_counts_what_the_store_holds(clinic: Store, clock: FixedClock) -> None:
    subject, referral_id = referred(clinic)
    made = Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    rights = Rectification(clinic, actor("harmonic", "rita"))
    request = rights.submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "Fix my DOB",
                         received_at=datetime(2026, 10, 1, 10, 0, tzinfo=UTC))
    )  # fmt: skip
    rights.correct(request.request_id, "date_of_birth", "1990-06-16")  # an Art. 19 notice
    aware = clock.now() - timedelta(hours=1)
    incident = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, aware)
    Incidents(clinic, actor("harmonic", "dee")).decide(
        incident.incident_id, BreachFinding.LIKELY, RiskLevel.RISK, REASON
    )
    signed = sign_head(clinic, "harmonic")
    assert signed is not None

    shown = pack(clinic)

    assert shown.audit.verified and shown.audit.problem is None
    assert shown.audit.verified_to == chain_length(clinic)  # the pack's own look included
    assert shown.audit.verified_to == signed.seq + 1  # the look came after the checkpoint
    assert (shown.audit.last_checkpoint_seq, shown.audit.witnessed_to) == (signed.seq, signed.seq)
    assert shown.audit.last_checkpoint_at == signed.signed_at
    assert shown.rights.open == 1 and shown.rights.overdue == 1  # due 3 November
    assert shown.rights.by_status["open"] == 1 and shown.rights.by_status["completed"] == 0
    assert shown.rights.latest_received == datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    [item] = shown.incidents
    assert item.incident_id == incident.incident_id and item.decision is not None
    assert item.decision == "decision 1: likely breach, risk; told: ICO, patients"
    assert item.reason == REASON and item.ico_told_at is None and not item.overdue
    assert item.clock == "71 h 00 min left"
    assert shown.disclosures.total == 1 and shown.disclosures.latest == made.at
    assert [(r.recipient, r.count) for r in shown.disclosures.by_recipient] == [("referrers", 1)]
    assert (shown.art19.pending, shown.art19.sent) == (1, 0)
    assert {p.key for p in shown.processors} == {
        "it_hosting", "service_providers", "mailing_services",
    }  # fmt: skip
    assert all(p.lapsed for p in shown.processors)  # reviews due 18 November 2025
    assert [(d.purpose, d.dpia) for d in shown.dpias] == [
        ("product_scoring", "DPIA-HMS-01 Service-suggestion scoring with credit reference "
         "data (UK GDPR Art. 35)")
    ]  # fmt: skip
    assert shown.reviews.art14_open == 1 and shown.reviews.art14_overdue == 0
    assert shown.made_at == clock.now()
    seen = [e for e in events(clinic) if e.reason == "the evidence pack"]
    assert [(e.actor, e.outcome) for e in seen] == [("dee", "allowed")]


def test_a_tampered_chain_shows_in_the_pack_as_broken_where_it_was_changed(
    clinic: Store, database_url: str
) -> None:
    assert pack(clinic).audit.verified
    tamper(database_url, "UPDATE audit_event SET purpose = 'care' WHERE "
                         "organisation_id = 'harmonic' AND seq = 2")  # fmt: skip
    broken = pack(clinic).audit
    assert not broken.verified and broken.first_bad_seq == 2 and broken.verified_to == 1
    assert broken.problem


def test_only_the_dpo_makes_the_pack(clinic: Store) -> None:
    with pytest.raises(AccessDenied, match="only the Data Protection Manager"):
        pack(clinic, who="sam")
    seen = events(clinic)[-1]
    assert (seen.actor, seen.purpose, seen.outcome, seen.reason) == (
        "sam", "oversight", "denied", "the evidence pack"
    )  # fmt: skip
    assert pack(clinic, "harmony", "dora").organisation == "harmony"

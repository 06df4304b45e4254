"""The DPO's dashboard: open rights requests with their days left (overdue first), incidents
with the time left on their 72-hour clocks, break-glass uses to review, overdue Art. 14
notices, processors whose agreement lapses within 60 days, reads per day from the ledger and
the open access anomalies; the DPO's only, and every look is on the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from tests.services.clinic import NEW_PATIENT, actor, events, hire
from tests.services.test_appointments import book
from tests.services.test_incidents import LAPTOP, REASON
from tests.services.test_referrals import refer

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied
from hippocratic.policy.recipient import Assurance
from hippocratic.policy.settings import RightName
from hippocratic.services.access_anomalies import AccessAnomalies
from hippocratic.services.dpo_dashboard import DpoDashboard, DpoDashboards
from hippocratic.services.incidents import Incidents
from hippocratic.services.patients import Patients
from hippocratic.services.records import Records
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import NewRightsRequest, RightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.ledger import AuditEvent, append


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def dashboard(clinic: Store, organisation: str = "harmonic", who: str = "dee") -> DpoDashboard:
    return DpoDashboards(clinic, actor(organisation, who)).dashboard()


def patient(clinic: Store, n: int) -> str:
    person = {**NEW_PATIENT, "email": f"dash{n}@example.org", "full_name": f"Dash {n}"}
    subject: str = book(clinic, patient=person).subject_id  # type: ignore[attr-defined]
    return subject


def rectification(clinic: Store, subject: str, received: datetime) -> RightsRequest:
    return RightsDecisions(clinic, actor("harmonic", "rita")).submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.PHONE,
                         "My date of birth is wrong", received_at=received)
    )  # fmt: skip


def test_the_dashboard_shows_exactly_the_stores_clocks_most_urgent_first(
    clinic: Store, clock: FixedClock
) -> None:
    referral = refer(clinic)  # obtained 24 November: the Art. 14 notice is due 24 December
    clock.advance(timedelta(days=40))  # 3 January 2027, 09:00
    a, b = patient(clinic, 1), patient(clinic, 2)
    late = rectification(clinic, a, datetime(2026, 11, 20, 16, 45, tzinfo=UTC))
    fresh = rectification(clinic, b, datetime(2027, 1, 2, 10, 0, tzinfo=UTC))
    aware = clock.now() - timedelta(hours=2)
    laptop = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, aware)
    decided = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP + " (second)", aware)
    Incidents(clinic, actor("harmonic", "dee")).decide(
        decided.incident_id, BreachFinding.NONE, RiskLevel.NO_RISK, REASON
    )
    Records(clinic, actor("harmonic", "sue")).break_glass(a, "Collapsed at reception")

    shown = dashboard(clinic)

    assert [(r.request_id, r.due, r.days_left, r.overdue) for r in shown.rights.items] == [
        (late.request_id, date(2026, 12, 21), -13, True),
        (fresh.request_id, fresh.due, (fresh.due - date(2027, 1, 3)).days, False),
    ]
    assert fresh.due == date(2027, 2, 2)
    assert shown.rights.items[0].link == f"/console/rights/{late.request_id}"
    assert {b.label: b.count for b in shown.rights_bands} == {
        "overdue": 1, "0-7 days": 0, "8-14 days": 0, "15-30 days": 1, "over 30 days": 0,
    }  # fmt: skip
    assert [(i.incident_id, i.minutes_left, i.shown) for i in shown.incidents.items] == [
        (laptop.incident_id, 70 * 60, "70 h 00 min left"),
        (decided.incident_id, None, "not reportable to the ICO (decided, with reasons)"),
    ]
    assert [(u.actor, u.reason) for u in shown.break_glass.items] == [
        ("sue", "Collapsed at reception")
    ]
    assert [(t.due_on, t.days_overdue) for t in shown.art14_overdue.items] == [
        (date(2026, 12, 24), 10)
    ]
    assert referral.subject_id  # type: ignore[attr-defined]
    # Harmonic's agreements were due for review on 18 November 2025: nothing may go to them.
    assert {p.key for p in shown.processors.items} == {
        "it_hosting", "service_providers", "mailing_services",
    }  # fmt: skip
    assert all("2025-11-18) has passed" in (p.lapsed or "") for p in shown.processors.items)
    assert shown.processors.items[0].dates[0].past
    seen = events(clinic)[-1]
    assert (seen.purpose, seen.outcome, seen.reason) == (
        "oversight", "allowed", "the DPO's dashboard"
    )  # fmt: skip
    assert seen.subject_id is None  # the look opens no patient's record


def test_a_processor_shows_from_60_days_before_its_review_date(
    clinic: Store, clock: FixedClock
) -> None:
    assert dashboard(clinic, "harmony", "dora").processors.items == []  # a year ahead
    clock.advance(datetime(2027, 9, 24, 9, 0, tzinfo=UTC) - clock.now())  # 61 days before
    assert dashboard(clinic, "harmony", "dora").processors.items == []
    clock.advance(timedelta(days=1))  # 60 days before 24 November 2027
    shown = dashboard(clinic, "harmony", "dora").processors.items
    assert {p.key for p in shown} == {
        "it_services", "customer_support_provider", "analytics_provider",
    }  # fmt: skip
    assert all(p.lapsed is None for p in shown)
    assert [(d.what, d.on, d.days_left, d.past) for d in shown[0].dates] == [
        ("agreement review", date(2027, 11, 24), 60, False)
    ]


def test_reads_per_day_come_from_the_ledger_and_anomalies_stay_until_reviewed(
    clinic: Store, clock: FixedClock
) -> None:
    a, b = patient(clinic, 1), patient(clinic, 2)
    before = {d.day: d.reads for d in dashboard(clinic).reads.items}
    sam = Patients(clinic, actor("harmonic", "sam"))
    sam.view(a)
    sam.view(b)
    sam.view(a)
    clock.advance(timedelta(days=1))
    sam.view(b)
    # Forty reads in one day by Rita, three weeks ago: an anomaly against her usual none.
    busy = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    with clinic.sessions.begin() as session:
        append(session, "harmonic", [
            AuditEvent(busy, "rita", "reception", "care", f"patient-{n}", "read", "allowed")
            for n in range(40)
        ])  # fmt: skip
    AccessAnomalies(clinic, actor("harmonic", "dee")).scan(date(2026, 11, 4), date(2026, 11, 4))

    shown = dashboard(clinic)

    days = {d.day: (d.reads, d.patients) for d in shown.reads.items}
    assert len(shown.reads.items) == 30 and shown.reads.items[-1].day == date(2026, 11, 25)
    assert shown.reads.items[0].day == date(2026, 10, 27)
    assert days[date(2026, 11, 24)][0] == before[date(2026, 11, 24)] + 3
    assert days[date(2026, 11, 25)] == (1, 1)
    assert days[date(2026, 11, 4)] == (40, 40)
    assert days[date(2026, 11, 5)] == (0, 0)
    assert [(x.kind, x.actor, x.day, x.count) for x in shown.anomalies.items] == [
        ("volume", "rita", date(2026, 11, 4), 40)
    ]
    AccessAnomalies(clinic, actor("harmonic", "dee")).dismiss(
        shown.anomalies.items[0].anomaly_id, "Clinic list run for the audit, expected"
    )
    assert dashboard(clinic).anomalies.items == []


def test_only_the_dpo_sees_the_dashboard_and_the_refusal_is_recorded(clinic: Store) -> None:
    with pytest.raises(AccessDenied, match="only the Data Protection Manager"):
        dashboard(clinic, who="rita")
    seen = events(clinic)[-1]
    assert (seen.actor, seen.purpose, seen.outcome) == ("rita", "oversight", "denied")
    assert seen.reason == "the DPO's dashboard"
    with pytest.raises(AccessDenied):
        dashboard(clinic, "harmony", "cal")


def test_an_assurance_expiring_soon_or_expired_shows_with_its_reference(clinic: Store) -> None:
    """Harmony's agreements hold for a year; a certificate on one expires in 30 days and a
    penetration test report on another expired yesterday (a policy holding both)."""
    service = DpoDashboards(clinic, actor("harmony", "dora"))
    policy = service.policy
    soon = Assurance(name="ISO/IEC 27001 certificate", reference="IS 123456",
                     expires_on=date(2026, 12, 24))  # fmt: skip
    gone = Assurance(name="Penetration test report", reference="PT-2025-07",
                     expires_on=date(2026, 11, 23))  # fmt: skip
    changed = {"it_services": [soon], "customer_support_provider": [gone]}
    recipients = [
        r.model_copy(update={"assurances": changed.get(r.key, [])}) for r in policy.recipients
    ]
    service.policy = policy.model_copy(update={"recipients": recipients})
    shown = service.processors(60)
    assert [(p.key, p.lapsed) for p in shown] == [
        ("customer_support_provider",
         "has an expired assurance: Penetration test report (PT-2025-07)"),
        ("it_services", None),
    ]  # fmt: skip
    assert [(d.what, d.days_left, d.past) for d in shown[1].dates] == [
        ("ISO/IEC 27001 certificate (IS 123456)", 30, False)
    ]
    assert [(d.what, d.past) for d in shown[0].dates] == [
        ("Penetration test report (PT-2025-07)", True)
    ]
    every = service.processors(None)  # the evidence pack lists them all, with every date
    assert len(every) == 3 and every[-1].dates[0].what == "agreement review"


def test_the_dashboard_costs_the_same_few_queries_however_much_is_open(
    clinic: Store, clock: FixedClock
) -> None:
    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(clinic.engine, "before_cursor_execute", count)
        try:
            dashboard(clinic)
        finally:
            event.remove(clinic.engine, "before_cursor_execute", count)
        return len(seen)

    def more(n: int) -> None:
        subject = patient(clinic, n)
        rectification(clinic, subject, clock.now() - timedelta(days=n))
        made = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, clock.now())
        Incidents(clinic, actor("harmonic", "dee")).decide(
            made.incident_id, BreachFinding.LIKELY, RiskLevel.RISK, REASON
        )

    more(1)
    few = statements()
    for n in range(2, 6):
        more(n)
    assert len(dashboard(clinic).rights.items) == 5
    assert statements() == few  # grouped queries: no query per request or incident

"""Access anomalies raised from the audit ledger: an actor reading far more patients than usual,
reads out of hours, break-glass spikes; each dismissed with a reason or turned into an incident
whose affected patients are that actor's reads that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tests.services.clinic import actor, events, hire

from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.services.access_anomalies import AccessAnomalies
from hippocratic.services.incident import IncidentSource
from hippocratic.services.store import Store
from hippocratic.storage.incident import AccessAnomalyRow
from hippocratic.storage.ledger import AuditEvent, append

DAY = date(2026, 11, 20)


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def reads(store: Store, who: str, at: datetime, subjects: range, purpose: str = "care") -> None:
    """``who`` read each of ``subjects`` at ``at`` (one allowed event each)."""
    with store.sessions.begin() as session:
        append(
            session,
            "harmonic",
            [
                AuditEvent(at, who, "sonographer", purpose, f"patient-{n}", "read", "allowed")
                for n in subjects
            ],
        )


def usual_month(store: Store) -> None:
    """Sam reads five patients every day for the 30 days before DAY, in working hours."""
    for back in range(1, 31):
        on = datetime.combine(DAY - timedelta(days=back), datetime.min.time(), UTC)
        reads(store, "sam", on + timedelta(hours=10), range(back, back + 5))


def scanner(store: Store, who: str = "dee") -> AccessAnomalies:
    return AccessAnomalies(store, actor("harmonic", who))


def test_reading_many_more_patients_than_usual_raises_one_review_item(clinic: Store) -> None:
    usual_month(clinic)
    noon = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=12)
    reads(clinic, "sam", noon, range(100, 140))  # 40 patients against a median of 5
    reads(clinic, "sue", noon, range(200, 215))  # 15: many for a first day, but under the floor
    found = scanner(clinic).scan(DAY, DAY)
    assert [(a.kind, a.actor, a.count, a.baseline) for a in found] == [("volume", "sam", 40, 5)]
    assert "median of 5" in found[0].detail
    assert scanner(clinic).scan(DAY, DAY) == []  # found once: a rescan raises nothing new
    assert [a.anomaly_id for a in scanner(clinic).queue()] == [found[0].anomaly_id]
    scans = [e.reason for e in events(clinic) if (e.reason or "").endswith("raised")]
    assert scans == ["access anomalies 2026-11-20 to 2026-11-20: 1 raised",
                     "access anomalies 2026-11-20 to 2026-11-20: 0 raised"]  # fmt: skip


def test_a_usual_day_raises_nothing(clinic: Store) -> None:
    usual_month(clinic)
    noon = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=12)
    reads(clinic, "sam", noon, range(1, 7))
    assert scanner(clinic).scan(DAY, DAY) == []


def test_reads_out_of_hours_and_break_glass_spikes_are_raised(clinic: Store) -> None:
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT in November)
    reads(clinic, "rita", late, range(1, 4))
    reads(clinic, "sam", late - timedelta(hours=11), range(5, 8))  # 12:30: working hours
    morning = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    reads(clinic, "sue", morning, range(10, 13), purpose="break_glass")
    reads(clinic, "sam", morning, range(20, 22), purpose="break_glass")  # two: not a spike
    found = {(a.kind, a.actor, a.count) for a in scanner(clinic).scan(DAY, DAY)}
    assert found == {("out_of_hours", "rita", 3), ("break_glass", "sue", 3)}


def test_summer_hours_are_london_hours(clinic: Store) -> None:
    summer = date(2026, 7, 1)
    reads(clinic, "rita", datetime(2026, 7, 1, 6, 30, tzinfo=UTC), range(1, 2))  # 07:30 BST
    reads(clinic, "rita", datetime(2026, 7, 1, 5, 30, tzinfo=UTC), range(2, 3))  # 06:30 BST
    found = scanner(clinic).scan(summer, summer)
    assert [(a.kind, a.count) for a in found] == [("out_of_hours", 1)]


def test_the_dpo_dismisses_with_a_reason_or_opens_an_incident(clinic: Store) -> None:
    usual_month(clinic)
    noon = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=12)
    reads(clinic, "sam", noon, range(100, 140))
    reads(clinic, "rita", noon + timedelta(hours=11), range(1, 3))
    found = {a.kind: a for a in scanner(clinic).scan(DAY, DAY)}
    with pytest.raises(InputError, match="expected"):
        scanner(clinic).dismiss(found["out_of_hours"].anomaly_id, "fine")
    dismissed = scanner(clinic).dismiss(
        found["out_of_hours"].anomaly_id, "Rita covered the late clinic that evening (rota)"
    )
    assert dismissed.resolution is not None and dismissed.resolution.startswith("dismissed")
    with pytest.raises(Conflict):
        scanner(clinic).dismiss(dismissed.anomaly_id, "Rita covered the late clinic again")

    made = scanner(clinic).open_incident(
        found["volume"].anomaly_id, "Sam's account read forty records in one day; Sam says not them"
    )
    assert made.source is IncidentSource.ANOMALY and made.scope.actor == "sam"
    affected = scanner(clinic).affected(made.incident_id)
    assert affected.count == 40  # the forty that day, not the month's usual reads
    with clinic.sessions() as session:
        row = session.get(AccessAnomalyRow, ("harmonic", found["volume"].anomaly_id))
        assert row is not None and row.incident_id == made.incident_id
    assert scanner(clinic).queue() == []


def test_only_the_dpo_scans_and_reviews(clinic: Store) -> None:
    with pytest.raises(AccessDenied):
        scanner(clinic, "sam").scan(DAY, DAY)
    assert events(clinic)[-1].outcome == "denied"
    with pytest.raises(AccessDenied):
        scanner(clinic, "sam").queue()
    with pytest.raises(InputError, match="at most"):
        scanner(clinic).scan(DAY, DAY + timedelta(days=200))

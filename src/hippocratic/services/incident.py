"""An incident as the register shows it: where it came from, where it stands, the decisions
on it, and its 72-hour clock (``domain/breach_deadline``) as the dashboard shows it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hippocratic.domain.breach_deadline import BreachClockState, breach_deadline
from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.services.affected_patients import Affected, AffectedPatient, Scope
from hippocratic.storage.incident import IncidentDecisionRow, IncidentRow
from hippocratic.storage.incident_release import IncidentReleaseRow

RELEASE_SOURCE = "access package release"
"""Where an incident about a wrong release finds who it affected: the release itself."""


class IncidentSource(StrEnum):
    STAFF = "staff"
    PROCESSOR = "processor"
    ANOMALY = "anomaly"
    RELEASE = "release"
    """An access package released wrongly (``release_incident``)."""


class IncidentStatus(StrEnum):
    OPEN = "open"
    ASSESSED = "assessed"
    REPORTED = "reported"
    CLOSED = "closed"


@dataclass(frozen=True)
class IncidentClock:
    """Where the 72-hour clock stands: ``needed`` is False once the DPO decided the ICO need
    not be told; ``overdue`` when it is needed, unreported and past its deadline."""

    aware_at: datetime
    deadline: datetime
    state: str
    needed: bool
    overdue: bool
    minutes_left: int | None
    shown: str
    steps: list[str]


@dataclass(frozen=True)
class ReleaseLink:
    """The access-package release an incident is about, as copied from the release when it
    was reported: the patient, what went wrong, and the categories of data disclosed."""

    request_id: str
    subject_id: str
    fault: str
    recipient: str
    released_at: datetime
    categories: list[str]
    records: dict[str, int]


@dataclass(frozen=True)
class IncidentDecision:
    number: int
    breach: BreachFinding
    assessment: RiskLevel
    notify_ico: bool
    notify_subjects: bool
    encryption_exception: bool
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Incident:
    incident_id: str
    status: IncidentStatus
    source: IncidentSource
    processor: str | None
    description: str
    reported_by: str
    reported_at: datetime
    aware_at: datetime
    scope: Scope
    clock: IncidentClock
    decision: IncidentDecision | None
    """The decision in force (the latest); ``decisions`` has them all, oldest first."""
    decisions: list[IncidentDecision]
    closed_at: datetime | None
    closing_note: str | None
    release: ReleaseLink | None = None
    """For an incident about a wrong release: the release, its patient and what it held."""
    owner: str | None = None
    """Who on the incident team owns it (S1-25); none yet, and it is not assessed."""


def decision_of(row: IncidentDecisionRow) -> IncidentDecision:
    return IncidentDecision(
        row.number,
        BreachFinding(row.breach),
        RiskLevel(row.assessment),
        row.notify_ico,
        row.notify_subjects,
        row.encryption_exception,
        row.reason,
        row.decided_by,
        row.decided_at,
    )


def incident_clock(
    row: IncidentRow, latest: IncidentDecisionRow | None, sent: datetime | None, now: datetime
) -> IncidentClock:
    """The clock at ``now``: running, reported (in time or late), not needed, or overdue."""
    clock = breach_deadline(row.aware_at, now=max(now, row.aware_at), reported_at=sent)
    needed = latest is None or latest.notify_ico
    overdue = needed and sent is None and clock.state is BreachClockState.LATE
    minutes = int(clock.remaining.total_seconds() // 60) if clock.remaining else None
    if sent is not None:
        shown = f"reported to the ICO: {clock.state.value}"
    elif not needed:
        shown = "not reportable to the ICO (decided, with reasons)"
    elif minutes is not None:
        shown = f"{minutes // 60} h {minutes % 60:02d} min left"
    else:
        shown = "overdue: report now and give the reasons for the delay"
    left = minutes if needed and sent is None else None
    return IncidentClock(
        row.aware_at, clock.deadline, clock.state.value, needed, overdue, left, shown, clock.steps
    )


def release_link(row: IncidentReleaseRow | None) -> ReleaseLink | None:
    if row is None:
        return None
    return ReleaseLink(
        row.request_id,
        row.subject_id,
        row.fault,
        row.recipient,
        row.released_at,
        json.loads(row.categories),
        json.loads(row.records),
    )


def released_to_wrong_hands(row: IncidentReleaseRow) -> Affected:
    """Who a wrong release affected: its patient, with the categories it disclosed and how
    many records it carried, as copied from the release (never typed by hand)."""
    categories = sorted(json.loads(row.categories))
    records = sum(json.loads(row.records).values())
    patient = AffectedPatient(row.subject_id, categories, records, [RELEASE_SOURCE])
    return Affected([patient], dict.fromkeys(categories, 1), records, [RELEASE_SOURCE])

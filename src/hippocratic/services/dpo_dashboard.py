"""The DPO's dashboard: one look at everything with a clock on it or a review owed.

- open rights requests with the days left on each statutory clock, overdue first, and how many
  fall due in each band (the page's chart);
- open incidents with the time left on the 72-hour clock (Art. 33(1)), overdue first;
- break-glass uses awaiting the DPO's review;
- Art. 14 notices overdue (data obtained from someone else, the patient not yet told);
- processors whose Art. 28 agreement review date, or a security assurance, has passed or falls
  within ``NEAR_DAYS`` days (past first);
- access patterns: reads of patients' records per day over the last ``READ_DAYS`` days, counted
  by one grouped query inside the database, and the access anomalies still open.

Only a role the policy marks ``dpo: true`` sees it; any other is refused, and the look is an
audit event either way (``oversight.check``). The dashboard names requests, incidents and tasks
by their ids and links to where each is worked; it opens no patient's details, so it reads no
personal data beyond what its own audit event says. The retention
forecast scans every record, so the page links to the retention page, which shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.guard.decision import SELF_ROLE
from hippocratic.services import oversight
from hippocratic.services.affected_patients import NOT_ACCESSES, ledger_time
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.incident import IncidentClock, incident_clock
from hippocratic.services.processor_terms import ProcessorItem, processor_terms
from hippocratic.services.rights_clock import day_of, deadline_of, waiting_for
from hippocratic.services.rights_request import RequestStatus
from hippocratic.storage.care import ReviewItemRow
from hippocratic.storage.collection import Art14TaskRow
from hippocratic.storage.incident import (
    AccessAnomalyRow,
    IncidentDecisionRow,
    IncidentReportRow,
    IncidentRow,
)
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.rights_request import RightsPauseRow, RightsRequestRow

NEAR_DAYS = 60
"""A processor's agreement review or assurance expiry this close is shown before it lapses."""
READ_DAYS = 30
"""Days of reads in the access-pattern chart, today included."""
RIGHTS_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("overdue", None, -1),
    ("0-7 days", 0, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("over 30 days", 31, None),
)
"""The chart's bands of days left (inclusive bounds, None unbounded)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    title: str
    link: str
    """Where the items are worked on."""
    items: list[T]


@dataclass(frozen=True)
class RightsItem:
    request_id: str
    right: str
    received_on: date
    due: date
    days_left: int
    overdue: bool
    waiting_for: str | None
    link: str


@dataclass(frozen=True)
class RightsBand:
    label: str
    count: int


@dataclass(frozen=True)
class IncidentItem:
    incident_id: str
    status: str
    description: str
    aware_at: datetime
    deadline: datetime
    minutes_left: int | None
    overdue: bool
    needed: bool
    shown: str
    link: str


@dataclass(frozen=True)
class BreakGlassItem:
    item_id: str
    actor: str
    opened_at: datetime
    reason: str
    link: str


@dataclass(frozen=True)
class Art14Item:
    task_id: str
    source: str
    obtained_on: date
    due_on: date
    days_overdue: int
    link: str


@dataclass(frozen=True)
class DayReads:
    day: date
    reads: int
    patients: int


@dataclass(frozen=True)
class AnomalyItem:
    anomaly_id: str
    kind: str
    actor: str
    day: date
    count: int
    detail: str
    link: str


@dataclass(frozen=True)
class DpoDashboard:
    organisation: str
    as_of: datetime
    today: date
    rights: Section[RightsItem]
    rights_bands: list[RightsBand]
    incidents: Section[IncidentItem]
    break_glass: Section[BreakGlassItem]
    art14_overdue: Section[Art14Item]
    processors: Section[ProcessorItem]
    reads: Section[DayReads]
    anomalies: Section[AnomalyItem]


def bands(items: list[RightsItem]) -> list[RightsBand]:
    def within(days: int, low: int | None, high: int | None) -> bool:
        return (low is None or days >= low) and (high is None or days <= high)

    return [
        RightsBand(label, sum(1 for i in items if within(i.days_left, low, high)))
        for label, low, high in RIGHTS_BANDS
    ]


class DpoDashboards(ClinicService):
    def dashboard(self) -> DpoDashboard:
        """Everything above, as it stands now (DPO only; the look is audited)."""
        with self.store.sessions.begin() as session:
            decision = oversight.check(self, session, "the DPO's dashboard")
            if decision.allowed:
                rights = self._rights(session)
                shown = DpoDashboard(
                    self.organisation,
                    self.now(),
                    self.today(),
                    Section("Open rights requests", "/console/rights", rights),
                    bands(rights),
                    Section("Incidents", "/console/incidents", self._incidents(session)),
                    Section(
                        "Break-glass uses to review",
                        "/console/oversight",
                        self._break_glass(session),
                    ),
                    Section("Art. 14 notices overdue", "/console/oversight", self._art14(session)),
                    Section(
                        "Processor agreements and assurances",
                        "/console/dpo/evidence#processors",
                        self.processors(NEAR_DAYS),
                    ),
                    Section(
                        "Reads of patients' records per day",
                        "/console/incidents#anomalies",
                        self._reads(session),
                    ),
                    Section(
                        "Open access anomalies",
                        "/console/incidents#anomalies",
                        self._anomalies(session),
                    ),
                )
        if not decision.allowed:
            raise refusal(decision)
        return shown

    # -- the sections ------------------------------------------------------------------------

    def _rights(self, session: Session) -> list[RightsItem]:
        rows = list(
            session.scalars(
                select(RightsRequestRow).where(
                    RightsRequestRow.organisation_id == self.organisation,
                    RightsRequestRow.status == RequestStatus.OPEN.value,
                )
            )
        )
        pauses: dict[str, list[RightsPauseRow]] = {}
        if rows:
            for pause in session.scalars(
                select(RightsPauseRow)
                .where(
                    RightsPauseRow.organisation_id == self.organisation,
                    RightsPauseRow.request_id.in_([row.request_id for row in rows]),
                )
                .order_by(RightsPauseRow.started_on)
            ):
                pauses.setdefault(pause.request_id, []).append(pause)
        today = self.today()
        items = []
        for row in rows:
            own = pauses.get(row.request_id, [])
            due = deadline_of(row, own, today).due
            left = (due - today).days
            items.append(
                RightsItem(
                    row.request_id,
                    row.right,
                    day_of(row.received_at),
                    due,
                    left,
                    left < 0,
                    waiting_for(row, own),
                    f"/console/rights/{row.request_id}",
                )
            )
        return sorted(items, key=lambda i: (i.days_left, i.received_on, i.request_id))

    def _incidents(self, session: Session) -> list[IncidentItem]:
        rows = list(
            session.scalars(
                select(IncidentRow).where(
                    IncidentRow.organisation_id == self.organisation,
                    IncidentRow.status != "closed",
                )
            )
        )
        latest, sent = self.incident_facts(session, [row.incident_id for row in rows])
        items = []
        for row in rows:
            clock = self.clock_of(row, latest.get(row.incident_id), sent.get(row.incident_id))
            items.append(
                IncidentItem(
                    row.incident_id,
                    row.status,
                    row.description,
                    row.aware_at,
                    clock.deadline,
                    clock.minutes_left,
                    clock.overdue,
                    clock.needed,
                    clock.shown,
                    f"/console/incidents/{row.incident_id}",
                )
            )
        return sorted(items, key=lambda i: (not i.overdue, i.minutes_left is None, i.deadline))

    def incident_facts(
        self, session: Session, ids: list[str]
    ) -> tuple[dict[str, IncidentDecisionRow], dict[str, datetime]]:
        """Each incident's decision in force and when its ICO report was first sent: two
        queries for all of them."""
        latest: dict[str, IncidentDecisionRow] = {}
        sent: dict[str, datetime] = {}
        if not ids:
            return latest, sent
        for decision in session.scalars(
            select(IncidentDecisionRow)
            .where(
                IncidentDecisionRow.organisation_id == self.organisation,
                IncidentDecisionRow.incident_id.in_(ids),
            )
            .order_by(IncidentDecisionRow.number)
        ):
            latest[decision.incident_id] = decision
        first = func.min(IncidentReportRow.sent_at)
        for incident, at in session.execute(
            select(IncidentReportRow.incident_id, first)
            .where(
                IncidentReportRow.organisation_id == self.organisation,
                IncidentReportRow.incident_id.in_(ids),
            )
            .group_by(IncidentReportRow.incident_id)
        ):
            if at is not None:
                sent[str(incident)] = at
        return latest, sent

    def clock_of(
        self, row: IncidentRow, decided: IncidentDecisionRow | None, told: datetime | None
    ) -> IncidentClock:
        return incident_clock(row, decided, told, self.now())

    def _break_glass(self, session: Session) -> list[BreakGlassItem]:
        rows = session.scalars(
            select(ReviewItemRow)
            .where(
                ReviewItemRow.organisation_id == self.organisation,
                ReviewItemRow.kind == "break_glass",
                ReviewItemRow.resolved_at.is_(None),
            )
            .order_by(ReviewItemRow.created_at)
        )
        return [
            BreakGlassItem(r.item_id, r.actor, r.created_at, r.detail, "/console/oversight")
            for r in rows
        ]

    def _art14(self, session: Session) -> list[Art14Item]:
        today = self.today()
        rows = session.scalars(
            select(Art14TaskRow)
            .where(
                Art14TaskRow.organisation_id == self.organisation,
                Art14TaskRow.done_at.is_(None),
                Art14TaskRow.due_on < today,
            )
            .order_by(Art14TaskRow.due_on, Art14TaskRow.task_id)
        )
        return [
            Art14Item(
                r.task_id,
                r.source,
                r.obtained_on,
                r.due_on,
                (today - r.due_on).days,
                "/console/oversight",
            )
            for r in rows
        ]

    def processors(self, near_days: int | None) -> list[ProcessorItem]:
        """The policy's processors and their terms' dates (``processor_terms``)."""
        return processor_terms(self.policy, self.today(), near_days)

    def _reads(self, session: Session) -> list[DayReads]:
        """Reads of patients' records by staff (allowed, not the DPO's own oversight or incident
        work) per UTC day, the last ``READ_DAYS`` days, days without reads as zero."""
        today = self.now().astimezone(UTC).date()
        first = today - timedelta(days=READ_DAYS - 1)
        day = func.substr(AuditEventRow.at, 1, 10)
        rows = session.execute(
            select(day, func.count(), func.count(AuditEventRow.subject_id.distinct()))
            .where(
                AuditEventRow.organisation_id == self.organisation,
                AuditEventRow.subject_id.is_not(None),
                AuditEventRow.outcome == "allowed",
                AuditEventRow.action == "read",
                AuditEventRow.role != SELF_ROLE,
                AuditEventRow.purpose.not_in(NOT_ACCESSES),
                AuditEventRow.at >= ledger_time(datetime.combine(first, time(0), UTC)),
            )
            .group_by(day)
        )
        counted = {date.fromisoformat(str(on)): (int(n), int(p)) for on, n, p in rows}
        return [
            DayReads(on, *counted.get(on, (0, 0)))
            for on in (first + timedelta(days=n) for n in range(READ_DAYS))
        ]

    def _anomalies(self, session: Session) -> list[AnomalyItem]:
        rows = session.scalars(
            select(AccessAnomalyRow)
            .where(
                AccessAnomalyRow.organisation_id == self.organisation,
                AccessAnomalyRow.resolved_at.is_(None),
            )
            .order_by(AccessAnomalyRow.day.desc(), AccessAnomalyRow.kind, AccessAnomalyRow.actor)
        )
        return [
            AnomalyItem(
                r.anomaly_id,
                r.kind,
                r.actor,
                r.day,
                r.count,
                r.detail,
                "/console/incidents#anomalies",
            )
            for r in rows
        ]

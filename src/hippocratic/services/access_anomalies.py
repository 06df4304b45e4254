"""Access anomalies: unusual patterns in the audit ledger, raised for the DPO's review.

Three kinds, each found per actor per day by a grouped query inside the database (the ledger is
never walked in Python):

- ``volume``: an actor read far more patients' records than usual: more than
  ``VOLUME_FACTOR`` times their median daily count over the previous ``BASELINE_DAYS`` days
  (days without reads count as none) and more than ``VOLUME_FLOOR`` patients. Days are UTC days.
- ``out_of_hours``: reads outside the working hours (Europe/London, ``WORKING_HOURS``).
- ``break_glass``: ``BREAK_GLASS_SPIKE`` or more break-glass openings by one actor in a day.

An anomaly is found once per (kind, actor, day): scanning the same days again updates the count
of one still open and leaves a resolved one alone. The DPO dismisses it with a reason or turns it
into an incident whose scope is that actor on that day, so its affected patients are computed.
Only the DPO scans and reviews, and every step is on the ledger.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hippocratic.domain.breach_deadline import LONDON
from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action
from hippocratic.guard.guard import BREAK_GLASS_PURPOSE
from hippocratic.services.affected_patients import (
    INCIDENT_PURPOSE,
    NOT_ACCESSES,
    Scope,
    ledger_time,
)
from hippocratic.services.clinic_service import refusal
from hippocratic.services.incident import Incident, IncidentSource
from hippocratic.services.incidents import Incidents, _given
from hippocratic.storage.incident import AccessAnomalyRow
from hippocratic.storage.ledger import AuditEventRow

VOLUME_FACTOR = 3
VOLUME_FLOOR = 20
BASELINE_DAYS = 30
BREAK_GLASS_SPIKE = 3
WORKING_HOURS = (time(7, 0), time(20, 0))
"""From 07:00 to 20:00 London time, any day: a read outside it is out of hours."""
LONGEST_SCAN = 92
"""Days one scan may cover."""
_IDS = uuid.UUID("6f1b3c52-4a0e-4d6b-9c1e-0a5d2f7e8b91")


@dataclass(frozen=True)
class AccessAnomaly:
    anomaly_id: str
    kind: str
    actor: str
    day: date
    count: int
    baseline: int
    detail: str
    found_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    incident_id: str | None


@dataclass(frozen=True)
class Finding:
    kind: str
    actor: str
    day: date
    count: int
    baseline: int
    detail: str


def _shown(row: AccessAnomalyRow) -> AccessAnomaly:
    return AccessAnomaly(
        row.anomaly_id, row.kind, row.actor, row.day, row.count, row.baseline, row.detail,
        row.found_at, row.resolved_at, row.resolved_by, row.resolution, row.incident_id,
    )  # fmt: skip


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


class AccessAnomalies(Incidents):
    def scan(self, start: date, end: date) -> list[AccessAnomaly]:
        """Look for anomalies on the days from ``start`` to ``end`` (inclusive); returns those
        found or updated, each an open review item."""
        if end < start:
            raise InputError("the scan must end on or after its first day", field="end")
        if (end - start).days + 1 > LONGEST_SCAN:
            raise InputError(f"scan at most {LONGEST_SCAN} days at a time", field="end")
        found: list[AccessAnomalyRow] = []
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, None, f"access anomalies {start} to {end}")
            if decision.allowed:
                findings = [
                    *self._volume(session, start, end),
                    *self._out_of_hours(session, start, end),
                    *self._break_glass(session, start, end),
                ]
                found = [row for f in findings if (row := self._raise(session, f)) is not None]
                request = self.request(INCIDENT_PURPOSE, None, (), Action.WRITE)
                self.guard(session).record(
                    request, decision, f"access anomalies {start} to {end}: {len(found)} raised"
                )
        if not decision.allowed:
            raise refusal(decision)
        return [_shown(row) for row in found]

    def queue(self, *, include_resolved: bool = False) -> list[AccessAnomaly]:
        rows: list[AccessAnomalyRow] = []
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, None, "access anomalies")
            if decision.allowed:
                query = select(AccessAnomalyRow).where(
                    AccessAnomalyRow.organisation_id == self.organisation
                )
                if not include_resolved:
                    query = query.where(AccessAnomalyRow.resolved_at.is_(None))
                order = (AccessAnomalyRow.day.desc(), AccessAnomalyRow.kind, AccessAnomalyRow.actor)
                rows = list(session.scalars(query.order_by(*order)))
        if not decision.allowed:
            raise refusal(decision)
        return [_shown(row) for row in rows]

    def dismiss(self, anomaly_id: str, reason: str) -> AccessAnomaly:
        """Explained (a clinic list run, a covered shift): closed with the reason."""
        self._refuse_unless_dpo(None, "access anomalies")
        why = _given(reason, "reason", "say why this access was expected")
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, None, f"access anomaly {anomaly_id}: dismissed: {why}")
            if decision.allowed:
                row = self._open(session, anomaly_id)
                row.resolved_at, row.resolved_by = self.now(), self.actor.actor
                row.resolution = f"dismissed: {why}"
        if not decision.allowed:
            raise refusal(decision)
        return _shown(row)

    def open_incident(self, anomaly_id: str, description: str) -> Incident:
        """Not explained: an incident about that actor's accesses that day, from now."""
        with self.store.sessions() as session:
            row = self._open(session, anomaly_id)
            scope = Scope(_utc(row.day), _utc(row.day + timedelta(days=1)), row.actor)
            if row.kind == "out_of_hours":  # a London day, which may start the evening before
                local = datetime.combine(row.day, time(0), LONDON)
                scope = Scope(local, local + timedelta(days=1), row.actor)
        self._refuse_unless_dpo(None, "access anomalies")
        made = self.report(description, scope=scope, source=IncidentSource.ANOMALY)
        with self.store.sessions.begin() as session:
            row = self._open(session, anomaly_id)
            row.resolved_at, row.resolved_by = self.now(), self.actor.actor
            row.resolution, row.incident_id = f"incident {made.incident_id}", made.incident_id
            self._record(session, made.incident_id, f"opened from access anomaly {anomaly_id}")
        return made

    # -- finding -----------------------------------------------------------------------------

    def _reads(self, since: datetime, until: datetime) -> list[ColumnElement[bool]]:
        return [
            AuditEventRow.organisation_id == self.organisation,
            AuditEventRow.subject_id.is_not(None),
            AuditEventRow.outcome == "allowed",
            AuditEventRow.action == "read",
            AuditEventRow.role != SELF_ROLE,
            AuditEventRow.at >= ledger_time(since),
            AuditEventRow.at < ledger_time(until),
        ]

    def _volume(self, session: Session, start: date, end: date) -> list[Finding]:
        first = start - timedelta(days=BASELINE_DAYS)
        day = func.substr(AuditEventRow.at, 1, 10)
        rows = session.execute(
            select(AuditEventRow.actor, day, func.count(AuditEventRow.subject_id.distinct()))
            .where(
                *self._reads(_utc(first), _utc(end + timedelta(days=1))),
                AuditEventRow.purpose.not_in((*NOT_ACCESSES, BREAK_GLASS_PURPOSE)),
            )
            .group_by(AuditEventRow.actor, day)
        )
        daily: dict[str, dict[date, int]] = defaultdict(dict)
        for who, on, count in rows:
            daily[str(who)][date.fromisoformat(str(on))] = int(count)
        findings = []
        for who, counts in daily.items():
            for on, count in counts.items():
                if not start <= on <= end or count <= VOLUME_FLOOR:
                    continue
                before = [
                    counts.get(on - timedelta(days=n), 0) for n in range(1, BASELINE_DAYS + 1)
                ]
                median = statistics.median(before)
                if count > VOLUME_FACTOR * median:
                    findings.append(Finding("volume", who, on, count, round(median),
                        f"{who} read {count} patients' records on {on}, against a median of "
                        f"{median:g} a day over the {BASELINE_DAYS} days before"))  # fmt: skip
        return findings

    def _out_of_hours(self, session: Session, start: date, end: date) -> list[Finding]:
        since = datetime.combine(start, time(0), LONDON)
        until = datetime.combine(end + timedelta(days=1), time(0), LONDON)
        hour = func.substr(AuditEventRow.at, 1, 13)
        rows = session.execute(
            select(AuditEventRow.actor, hour, func.count())
            .where(*self._reads(since, until), AuditEventRow.purpose.not_in(NOT_ACCESSES))
            .group_by(AuditEventRow.actor, hour)
        )
        opens, closes = WORKING_HOURS
        counts: dict[tuple[str, date], int] = defaultdict(int)
        for who, at, count in rows:
            local = datetime.fromisoformat(f"{at}:00+00:00").astimezone(LONDON)
            if not opens <= local.time() < closes:
                counts[(str(who), local.date())] += int(count)
        return [
            Finding(
                "out_of_hours",
                who,
                on,
                count,
                0,
                f"{who} read patients' records {count} time(s) outside "
                f"{opens:%H:%M}-{closes:%H:%M} on {on}",
            )
            for (who, on), count in counts.items()
        ]

    def _break_glass(self, session: Session, start: date, end: date) -> list[Finding]:
        day = func.substr(AuditEventRow.at, 1, 10)
        rows = session.execute(
            select(AuditEventRow.actor, day, func.count())
            .where(
                *self._reads(_utc(start), _utc(end + timedelta(days=1))),
                AuditEventRow.purpose == BREAK_GLASS_PURPOSE,
            )
            .group_by(AuditEventRow.actor, day)
            .having(func.count() >= BREAK_GLASS_SPIKE)
        )
        return [
            Finding(
                "break_glass",
                str(who),
                date.fromisoformat(str(on)),
                int(count),
                0,
                f"{who} used break-glass {count} times on {on}",
            )
            for who, on, count in rows
        ]

    def _raise(self, session: Session, finding: Finding) -> AccessAnomalyRow | None:
        key = f"{self.organisation}/{finding.kind}/{finding.actor}/{finding.day.isoformat()}"
        anomaly_id = str(uuid.uuid5(_IDS, key))
        row = session.get(AccessAnomalyRow, (self.organisation, anomaly_id))
        if row is None:
            row = AccessAnomalyRow(
                organisation_id=self.organisation,
                anomaly_id=anomaly_id,
                kind=finding.kind,
                actor=finding.actor,
                day=finding.day,
                found_at=self.now(),
            )
            session.add(row)
        elif row.resolved_at is not None or row.count == finding.count:
            return None
        row.count, row.baseline, row.detail = finding.count, finding.baseline, finding.detail
        return row

    def _open(self, session: Session, anomaly_id: str) -> AccessAnomalyRow:
        row = session.get(AccessAnomalyRow, (self.organisation, anomaly_id))
        if row is None:
            raise NotFound(f"no access anomaly {anomaly_id}", field="anomaly")
        if row.resolved_at is not None:
            raise Conflict("this anomaly was already reviewed")
        return row

"""Who a breach affected, computed from the logs, never typed by hand (S0-122).

An incident's scope is a time window, an actor (whose accesses it concerns: a lost laptop, a
misused account) and a recipient (to whom data went wrongly). Each *source* answers, in one
set-based query, which patients the scope reaches and which categories of their data, and how
many records: the audit ledger (who accessed whose record, when, as what) and the disclosure
log (whose data went to which recipient, sent by whom, when).

The ledger's own oversight events are left out (the DPO scoping this very incident, security
events, other incidents' work): they are not accesses a breach could have exposed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hippocratic.errors import InputError
from hippocratic.services.oversight import OVERSIGHT
from hippocratic.services.security_event import SECURITY
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureRow
from hippocratic.storage.ledger import AuditEventRow

INCIDENT_PURPOSE = "incident_response"
"""The purpose on the audit events of incident work (reporting, assessing, scoping, letters)."""
NOT_ACCESSES = (SECURITY, OVERSIGHT, INCIDENT_PURPOSE)


@dataclass(frozen=True)
class Scope:
    """What an incident concerns. The window runs from ``window_start`` (inclusive) to
    ``window_end`` (exclusive), either end open if absent; ``actor`` narrows to that member
    of staff's accesses and the disclosures they made; ``recipient`` to what went to that
    recipient (the ledger names no recipient, so with a recipient and no actor only the
    disclosure log answers). A patient erased since is still reached: the logs keep their id,
    and the ICO's count includes them."""

    window_start: datetime | None = None
    window_end: datetime | None = None
    actor: str | None = None
    recipient: str | None = None

    @property
    def bounded(self) -> bool:
        """Whether the scope narrows anything: without a window, an actor or a recipient it
        would reach every patient ever accessed."""
        return any((self.window_start, self.window_end, self.actor, self.recipient))

    def check(self) -> None:
        """Refuse a window end without its time zone, or one that ends before it starts."""
        start, end = self.window_start, self.window_end
        for name, value in (("window_start", start), ("window_end", end)):
            if value is not None and value.utcoffset() is None:
                raise InputError(f"give {name.replace('_', ' ')} with its time zone", field=name)
        if start is not None and end is not None and end <= start:
            raise InputError("the window must end after it starts", field="window_end")


@dataclass(frozen=True)
class Reach:
    """What one source found about one patient: the categories of data and how many
    accesses (records)."""

    subject_id: str
    categories: frozenset[str]
    records: int
    source: str


class AffectedSource(Protocol):
    name: str

    def reach(self, session: Session, organisation: str, scope: Scope) -> Iterable[Reach]: ...


def ledger_time(value: datetime) -> str:
    """A moment as the ledger writes it (ISO 8601 in UTC), so a window compares as text on
    both engines."""
    return value.astimezone(UTC).isoformat()


class LedgerSource:
    """The audit ledger: every allowed access to a patient's record in the scope."""

    name = "audit ledger"

    def query(self, organisation: str, scope: Scope) -> Select[str | None, str, int]:
        """Each patient's accesses in the scope, counted by the categories they touched: one
        range over the ledger's (organisation, actor, time) index for an actor, its
        (organisation, time) index for a window."""
        where = [
            AuditEventRow.organisation_id == organisation,
            AuditEventRow.subject_id.is_not(None),
            AuditEventRow.outcome == "allowed",
            AuditEventRow.purpose.not_in(NOT_ACCESSES),
        ]
        if scope.window_start is not None:
            where.append(AuditEventRow.at >= ledger_time(scope.window_start))
        if scope.window_end is not None:
            where.append(AuditEventRow.at < ledger_time(scope.window_end))
        if scope.actor is not None:
            where.append(AuditEventRow.actor == scope.actor)
        return (
            select(AuditEventRow.subject_id, AuditEventRow.categories, func.count())
            .where(*where)
            .group_by(AuditEventRow.subject_id, AuditEventRow.categories)
        )

    def reach(self, session: Session, organisation: str, scope: Scope) -> Iterable[Reach]:
        if scope.recipient is not None and scope.actor is None:
            return []  # the ledger names who acted, not who received: the disclosure log's part
        rows = session.execute(self.query(organisation, scope))
        found: dict[str, tuple[set[str], int]] = {}
        decoded: dict[str, list[str]] = {}  # a ledger holds few distinct category lists
        for subject, categories, count in rows:
            kinds, records = found.setdefault(str(subject), (set(), 0))
            named = decoded.get(categories)
            if named is None:
                named = decoded[categories] = json.loads(categories)
            kinds.update(named)
            found[str(subject)] = (kinds, records + int(count))
        return [
            Reach(subject, frozenset(kinds), records, self.name)
            for subject, (kinds, records) in found.items()
        ]


class DisclosureSource:
    """The disclosure log: every patient whose data went out in the scope (to the recipient,
    or sent by the actor), with the categories of the fields it carried and how many
    disclosures (records) went out."""

    name = "disclosure log"

    def reach(self, session: Session, organisation: str, scope: Scope) -> Iterable[Reach]:
        where = [DisclosureRow.organisation_id == organisation]
        if scope.window_start is not None:
            where.append(DisclosureRow.at >= scope.window_start)
        if scope.window_end is not None:
            where.append(DisclosureRow.at < scope.window_end)
        if scope.recipient is not None:
            where.append(DisclosureRow.recipient == scope.recipient)
        if scope.actor is not None:
            where.append(DisclosureRow.decided_by == scope.actor)
        categories = session.execute(
            select(DisclosureRow.subject_id, DisclosureItemRow.category)
            .join(
                DisclosureItemRow,
                (DisclosureItemRow.organisation_id == DisclosureRow.organisation_id)
                & (DisclosureItemRow.disclosure_id == DisclosureRow.disclosure_id),
            )
            .where(*where)
            .group_by(DisclosureRow.subject_id, DisclosureItemRow.category)
        )
        kinds: dict[str, set[str]] = {}
        for subject, category in categories:
            kinds.setdefault(str(subject), set()).add(str(category))
        counts = session.execute(
            select(DisclosureRow.subject_id, func.count())
            .where(*where)
            .group_by(DisclosureRow.subject_id)
        )
        return [
            Reach(str(subject), frozenset(kinds.get(str(subject), ())), int(count), self.name)
            for subject, count in counts
        ]


SOURCES: tuple[AffectedSource, ...] = (LedgerSource(), DisclosureSource())


@dataclass(frozen=True)
class AffectedPatient:
    subject_id: str
    categories: list[str]
    records: int
    sources: list[str]


@dataclass(frozen=True)
class Affected:
    """Everyone the scope reaches, and the counts the ICO report asks for (Art. 33(3)(a))."""

    patients: list[AffectedPatient]
    by_category: dict[str, int]
    """Category key -> how many patients had data of that category reached."""
    records: int
    sources: list[str]

    @property
    def count(self) -> int:
        return len(self.patients)


def affected(
    session: Session,
    organisation: str,
    scope: Scope,
    sources: Sequence[AffectedSource] = SOURCES,
) -> Affected:
    """Every patient the scope reaches in any source, merged by patient."""
    merged: dict[str, tuple[set[str], int, set[str]]] = {}
    for source in sources:
        for reach in source.reach(session, organisation, scope):
            kinds, records, named = merged.setdefault(reach.subject_id, (set(), 0, set()))
            kinds.update(reach.categories)
            named.add(reach.source)
            merged[reach.subject_id] = (kinds, records + reach.records, named)
    patients = [
        AffectedPatient(subject, sorted(kinds), records, sorted(named))
        for subject, (kinds, records, named) in sorted(merged.items())
    ]
    by_category: dict[str, int] = {}
    for patient in patients:
        for kind in patient.categories:
            by_category[kind] = by_category.get(kind, 0) + 1
    return Affected(
        patients,
        dict(sorted(by_category.items())),
        sum(p.records for p in patients),
        [source.name for source in sources],
    )

"""Verifying the consent ledger against the audit chain it is bound into.

Three checks, each naming the first thing wrong:

1. every consent event matches the audit event that carries its digest (an edited event, or
   one inserted with a borrowed audit event, does not);
2. every audit event that records a consent event still has it (a deleted one does not);
3. the current state is exactly what replaying the events gives (a hand-edited state row, a
   state without an event, a withdrawal rolled back), apart from states carried over from
   before the ledger, which can never count (their terms are empty).

The audit chain itself is ``ledger_verify``'s: together they make the consent history as
tamper-evident as the access history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from hippocratic.storage.consent import (
    ConsentEventRow,
    ConsentStateRow,
    binding,
    digest,
)
from hippocratic.storage.ledger import AuditEventRow

CONSENT_REASON = "consent "
BATCH = 2000


@dataclass(frozen=True)
class ConsentProblem:
    audit_seq: int | None
    """The audit event nearest the problem, where there is one."""
    message: str


@dataclass
class _State:
    kind: str
    at: datetime
    expires_at: datetime | None
    terms: str
    event_id: str


def verify_consents(session: Session, organisation: str) -> tuple[int, ConsentProblem | None]:
    """The number of consent events checked, and the first problem found (None if none)."""
    replayed: dict[tuple[str, str, str], _State] = {}
    count = 0
    query = (
        select(ConsentEventRow, AuditEventRow.reason, AuditEventRow.subject_id)
        .outerjoin(
            AuditEventRow,
            and_(
                AuditEventRow.organisation_id == ConsentEventRow.organisation_id,
                AuditEventRow.seq == ConsentEventRow.audit_seq,
            ),
        )
        .where(ConsentEventRow.organisation_id == organisation)
        .order_by(ConsentEventRow.audit_seq)
        .execution_options(yield_per=BATCH)
    )
    for row, reason, audited_subject in session.execute(query):
        if reason != binding(row.event_id, digest(row)) or audited_subject != row.subject_id:
            return count, ConsentProblem(
                row.audit_seq,
                f"consent event {row.event_id} does not match audit event {row.audit_seq}: "
                "it was edited, or added outside the ledger",
            )
        count += 1
        replayed[(row.subject_id, row.purpose, row.channel)] = _State(
            row.kind, row.at, row.expires_at, row.terms_sha256, row.event_id
        )
    missing = _missing_event(session, organisation)
    if missing is not None:
        return count, missing
    return count, _state_problem(session, organisation, replayed)


def _missing_event(session: Session, organisation: str) -> ConsentProblem | None:
    orphan = session.execute(
        select(AuditEventRow.seq, AuditEventRow.reason)
        .where(
            AuditEventRow.organisation_id == organisation,
            AuditEventRow.outcome == "allowed",
            AuditEventRow.reason.like(f"{CONSENT_REASON}%"),
            ~exists().where(
                ConsentEventRow.organisation_id == AuditEventRow.organisation_id,
                ConsentEventRow.audit_seq == AuditEventRow.seq,
            ),
        )
        .order_by(AuditEventRow.seq)
        .limit(1)
    ).first()
    if orphan is None:
        return None
    event_id = (orphan[1] or "").removeprefix(CONSENT_REASON).split(" ")[0]
    return ConsentProblem(
        orphan[0], f"consent event {event_id}, recorded at audit event {orphan[0]}, is missing"
    )


def _state_problem(
    session: Session, organisation: str, replayed: dict[tuple[str, str, str], _State]
) -> ConsentProblem | None:
    states = session.scalars(
        select(ConsentStateRow)
        .where(ConsentStateRow.organisation_id == organisation)
        .execution_options(yield_per=BATCH)
    )
    for state in states:
        key = (state.subject_id, state.purpose, state.channel)
        expected = replayed.pop(key, None)
        where = f"the consent state of {state.subject_id} for {state.purpose}" + (
            f" by {state.channel}" if state.channel else ""
        )
        if expected is None:
            if state.event_id is None and state.terms_sha256 == "":
                continue  # carried over from before the ledger; it counts for nothing
            return ConsentProblem(None, f"{where} has no consent event behind it")
        if (
            state.event_id != expected.event_id
            or state.kind != expected.kind
            or state.given != (expected.kind != "withdrawn")
            or state.recorded_at != expected.at
            or state.expires_at != expected.expires_at
            or state.terms_sha256 != expected.terms
        ):
            return ConsentProblem(
                None, f"{where} differs from its latest consent event {expected.event_id}"
            )
    for (subject, purpose, _), expected in replayed.items():
        return ConsentProblem(
            None,
            f"the consent state of {subject} for {purpose} is missing "
            f"(latest event {expected.event_id})",
        )
    return None

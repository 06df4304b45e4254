"""'Who accessed this patient's record, when and why', read from the audit ledger."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import AuditEventRow


@dataclass(frozen=True)
class AccessRecord:
    """One access to a subject's record: who (actor, role), when (at), why (purpose, reason),
    what (action, fields, categories), and what the guard decided (outcome, rule ids)."""

    seq: int
    at: str
    actor: str
    role: str
    purpose: str
    action: str
    outcome: str
    fields: list[str]
    categories: list[str]
    rule_ids: list[str]
    request_id: str | None
    reason: str | None


def access_record(row: AuditEventRow) -> AccessRecord:
    return AccessRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        purpose=row.purpose,
        action=row.action,
        outcome=row.outcome,
        fields=json.loads(row.fields),
        categories=json.loads(row.categories),
        rule_ids=json.loads(row.rule_ids),
        request_id=row.request_id or None,
        reason=row.reason or None,
    )


def history(
    session: Session,
    organisation: str,
    subject: str,
    *,
    limit: int = 100,
    offset: int = 0,
    without: Collection[str] = (),
) -> list[AccessRecord]:
    """Every event about ``subject`` (allowed and denied), newest first, one page at a time;
    events under the purposes ``without`` names are left out (an exemption withholds them)."""
    where = [AuditEventRow.organisation_id == organisation, AuditEventRow.subject_id == subject]
    if without:
        where.append(AuditEventRow.purpose.not_in(list(without)))
    rows = session.scalars(
        select(AuditEventRow)
        .where(*where)
        .order_by(AuditEventRow.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [access_record(row) for row in rows]

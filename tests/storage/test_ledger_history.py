"""'Who accessed this patient's record, when and why', newest first, page by page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from tests.storage.ledger_store import ORG, START, Ledger, open_ledger

from hippocratic.storage.ledger import AuditEvent
from hippocratic.storage.ledger_history import history


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = open_ledger(database_url)
    yield opened
    opened.close()


def access(minute: int, actor: str, subject: str | None, outcome: str = "allowed",
           reason: str | None = None) -> AuditEvent:  # fmt: skip
    return AuditEvent(
        at=START + timedelta(minutes=minute),
        actor=actor,
        role="sonographer" if actor.startswith("dr") else "reception",
        purpose="care" if outcome == "allowed" else "break_glass",
        subject=subject,
        action="read",
        outcome=outcome,
        fields=("full_name", "medical_history"),
        categories=("identity", "health"),
        rule_ids=("role:sonographer/purpose:care",),
        request_id=f"req-{minute}",
        reason=reason,
    )


@pytest.mark.promise("S0-81")
def test_history_answers_who_when_and_why_newest_first(ledger: Ledger) -> None:
    ledger.append([
        access(0, "alice", "ada"),
        access(1, "bob", "grace"),
        access(2, "drlee", "ada", "denied", "no care relationship"),
        access(3, "alice", None),
    ])  # fmt: skip
    ledger.append([access(4, "drlee", "ada")], org="harmony")
    with ledger.sessions() as session:
        rows = history(session, ORG, "ada")
    assert [(r.seq, r.actor, r.role, r.purpose, r.outcome) for r in rows] == [
        (3, "drlee", "sonographer", "break_glass", "denied"),
        (1, "alice", "reception", "care", "allowed"),
    ]
    newest = rows[0]
    assert newest.at == "2026-11-24T09:02:00+00:00"
    assert (newest.reason, newest.request_id) == ("no care relationship", "req-2")
    assert newest.fields == ["full_name", "medical_history"]
    assert newest.categories == ["identity", "health"]
    assert newest.rule_ids == ["role:sonographer/purpose:care"]


def test_history_pages(ledger: Ledger) -> None:
    ledger.append([access(n, f"user{n}", "ada") for n in range(7)])
    with ledger.sessions() as session:
        pages = [history(session, ORG, "ada", limit=3, offset=o) for o in (0, 3, 6, 9)]
    assert [[r.seq for r in page] for page in pages] == [[7, 6, 5], [4, 3, 2], [1], []]

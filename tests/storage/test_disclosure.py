"""The disclosure log refuses UPDATE and DELETE on both engines: what was sent to whom cannot be
quietly rewritten; an Art. 19 notice is a task and can be marked sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy
from sqlalchemy import Executable, delete, text, update
from sqlalchemy.orm import Session, sessionmaker

from hippocratic.storage.database import make_engine, session_factory
from hippocratic.storage.disclosure import (
    Art19NoticeRow,
    DisclosureItemRow,
    DisclosureRow,
    queue_notices,
)
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.schema import upgrade
from hippocratic.storage.subject import SubjectRow

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        session.add(
            OrganisationRow(
                organisation_id="org",
                name="Example Clinic",
                policy_yaml="",
                policy_sha256="0" * 64,
                created_at=NOW,
            )
        )
        session.flush()
        session.add(SubjectRow(organisation_id="org", subject_id="s1", created_at=NOW))
        session.flush()
        session.add(
            DisclosureRow(
                organisation_id="org",
                disclosure_id="d1",
                subject_id="s1",
                recipient="referrers",
                purpose="care",
                basis="contract",
                channel="post",
                decided_by="sam",
                role="sonographer",
                at=NOW,
                audit_seq=1,
            )
        )
        session.flush()
        for field, category in (("date_of_birth", "identity"), ("scan_report", "scan_record")):
            session.add(
                DisclosureItemRow(
                    organisation_id="org", disclosure_id="d1", field=field, category=category
                )
            )
    yield factory
    engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        update(DisclosureRow).values(recipient="someone_else"),
        delete(DisclosureRow),
        update(DisclosureItemRow).values(field="email"),
        delete(DisclosureItemRow),
    ],
    ids=["update", "delete", "update item", "delete item"],
)
def test_the_disclosure_log_is_append_only(
    sessions: sessionmaker[Session], statement: Executable
) -> None:
    refused = pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only")
    with refused, sessions.begin() as session:
        session.execute(statement)
    with sessions() as session:
        row = session.get(DisclosureRow, ("org", "d1"))
        assert row is not None and row.recipient == "referrers"


def test_notices_match_the_changed_fields_or_categories(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert queue_notices(session, "org", "s1", "rectification", ["email"], None, NOW) == []
        [first] = queue_notices(session, "org", "s1", "rectification", ["date_of_birth"], "r", NOW)
        [again] = queue_notices(session, "org", "s1", "rectification", ["scan_report"], "r", NOW)
        assert again is first and first.fields == '["date_of_birth","scan_report"]'
        [erased] = queue_notices(
            session, "org", "s1", "erasure", [], None, NOW, categories=["scan_record"]
        )
        assert erased.fields == '["scan_report"]'
    with sessions.begin() as session:
        session.execute(update(Art19NoticeRow).values(sent_at=NOW, sent_by="dee"))
        assert session.execute(text("SELECT count(*) FROM art19_notice")).scalar() == 2

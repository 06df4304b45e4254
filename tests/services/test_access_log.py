"""The security log (S0-10): a sign-in attempt is kept with its full IP address, for security
only, and the daily jobs delete it once it is older than the policy's
``access_log.ip_retention_days``; the table names no patient and no other table holds an IP
address (the request log keeps none, cookie receipts none)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.daily_jobs import DailyJobs
from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.services import access_log
from hippocratic.services.store import Store
from hippocratic.storage.access_log import AccessLogRow
from hippocratic.storage.database import Base


def entries(store: Store) -> list[tuple[str, str, str]]:
    with store.sessions() as session:
        rows = session.scalars(select(AccessLogRow).order_by(AccessLogRow.at))
        return [(r.address, r.username, r.outcome) for r in rows]


@pytest.mark.promise("S0-10")
def test_sign_in_addresses_are_kept_for_the_configured_days_then_purged_by_the_daily_jobs(
    store: Store, clock: FixedClock
) -> None:
    assert store.policy_of("harmonic").access_log.ip_retention_days == 14
    assert access_log.record(store, "harmonic", "2001:db8::7", "rita", "failed")
    clock.advance(timedelta(days=2))
    assert access_log.record(store, "harmonic", "192.0.2.10", "rita", "password_ok")
    assert not access_log.record(store, "harmonic", "testclient", "rita", "failed")
    assert not access_log.record(store, "nowhere", "192.0.2.10", "rita", "failed")
    clock.advance(timedelta(days=12, hours=1))  # the first is 14 days and an hour old
    DailyJobs(store).run_once()
    assert entries(store) == [("192.0.2.10", "rita", "password_ok")]
    clock.advance(timedelta(days=2))
    DailyJobs(store).run_once()
    assert entries(store) == []


@pytest.mark.promise("S0-10")
def test_no_table_but_the_security_log_holds_an_ip_address_and_it_names_no_patient() -> None:
    named = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name in ("address", "ip", "ip_address", "remote_addr", "client_ip")
        or column.name.endswith("_ip")
    }
    assert named == {("access_log", "address")}
    columns = {c.name for c in Base.metadata.tables["access_log"].columns}
    assert "subject_id" not in columns and not Base.metadata.tables["access_log"].foreign_keys - {
        fk for fk in Base.metadata.tables["access_log"].foreign_keys
        if fk.column.table.name == "organisation"
    }  # fmt: skip
    receipts = {c.name for c in Base.metadata.tables["cookie_receipt"].columns}
    assert not {"address", "ip", "user_agent"} & receipts


def test_the_console_sign_in_writes_the_attempt_with_its_address(
    store: Store, tmp_path: Path
) -> None:
    app = create_app(SHIPPED_POLICIES, tmp_path / "archive", store)
    client = TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))
    tried = client.post(
        "/console/sign-in",
        data={"organisation": "harmonic", "username": "nobody", "password": "not the one at all"},
        follow_redirects=False,
    )
    assert tried.status_code in (400, 401, 403)
    assert entries(store) == [("127.0.0.1", "nobody", "failed")]

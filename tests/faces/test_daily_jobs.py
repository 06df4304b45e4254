"""The opt-in daily jobs of ``serve --jobs``: each round sweeps every organisation for each day
missed, in order; a failing organisation does not stop the others."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.daily_jobs import DailyJobs
from hippocratic.services import retention_jobs
from hippocratic.services.store import Store
from hippocratic.storage.retention import RetentionRunRow


def test_each_round_catches_up_every_organisation(store: Store, clock: FixedClock) -> None:
    jobs = DailyJobs(store, interval=0.01)
    assert jobs.run_once() == 2  # harmonic and harmony, today
    clock.advance(timedelta(days=3))
    assert jobs.run_once() == 6  # three days each, none skipped
    with store.sessions() as session:
        days = sorted({(r.organisation_id, r.as_of) for r in session.query(RetentionRunRow)})
    assert [d for o, d in days if o == "harmonic"] == [
        (clock.current - timedelta(days=n)).date() for n in (3, 2, 1, 0)
    ]
    jobs.start()
    jobs.stop()
    jobs.join(timeout=10)
    assert not jobs.is_alive()


def test_a_failing_organisation_does_not_stop_the_others(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = retention_jobs.catch_up

    def flaky(store_: Store, organisation: str, today: object) -> object:
        if organisation == "harmonic":
            raise RuntimeError("disk full")
        return real(store_, organisation, today)  # type: ignore[arg-type]

    monkeypatch.setattr("hippocratic.faces.daily_jobs.catch_up", flaky)
    assert DailyJobs(store).run_once() == 1
    assert "retention sweep failed for harmonic" in caplog.text

"""The daily jobs inside ``hippocratic serve`` (opt-in, ``--jobs``): a background thread that,
at start and then every ``interval`` seconds, runs every organisation's retention sweep for each
day missed since its last finished run, up to today (the same catch-up as ``jobs run``, so a
server that was down for a week sweeps the seven days in order), and first deletes sign-in log
entries, the only full IP addresses kept, older than the policy's
``access_log.ip_retention_days`` (S0-10). For one machine; a deployment with cron or a systemd
timer runs ``hippocratic jobs run`` instead."""

from __future__ import annotations

import logging
import threading

from hippocratic.services import access_log
from hippocratic.services.retention_jobs import catch_up, store_today
from hippocratic.services.store import Store

LOG = logging.getLogger("hippocratic.jobs")
HOURLY = 3600.0


class DailyJobs(threading.Thread):
    def __init__(self, store: Store, interval: float = HOURLY) -> None:
        super().__init__(name="hippocratic-daily-jobs", daemon=True)
        self.store = store
        self.interval = interval
        self._stop_requested = threading.Event()
        self.rounds = 0

    def run_once(self) -> int:
        """One round over every organisation; the number of day-runs made. A failure in one
        organisation is logged and the others still run; the next round retries it."""
        made = 0
        with self.store.sessions() as session:
            organisations = self.store.organisations(session)
        for organisation in organisations:
            try:
                access_log.purge(self.store, organisation)
                reports = catch_up(self.store, organisation, store_today(self.store))
            except Exception:  # a job must not kill the server; the next round tries again
                LOG.exception("retention sweep failed for %s", organisation)
                continue
            for report in reports:
                done = sum(report.counts.values())
                LOG.info(
                    "retention sweep %s as of %s: %d item(s)", organisation, report.as_of, done
                )
            made += len(reports)
        self.rounds += 1
        return made

    def run(self) -> None:
        while True:
            self.run_once()
            if self._stop_requested.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_requested.set()

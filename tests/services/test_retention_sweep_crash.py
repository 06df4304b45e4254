"""Crash safety: a sweep killed with SIGKILL at random points, several times, then run again,
leaves no half-disposed patient (rows gone but key alive, or the reverse), disposes of nothing
that must be kept, and leaves a ledger that verifies."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.services.test_retention_sweep import DPO, ORG, move, patient

from hippocratic.services.audit import verify_store
from hippocratic.services.retention_desk import RetentionDesk
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage.clinic import AppointmentRow
from hippocratic.storage.record import SubjectFieldRow

CHILD = """
import sys
from datetime import date
from pathlib import Path
import hippocratic.services.retention_sweep as sweep
from hippocratic.services.store import open_store
sweep.BATCH = 3
dispose_batch = sweep.RetentionSweep._dispose_batch


def announced(self, *args):
    print("batch", flush=True)
    return dispose_batch(self, *args)


sweep.RetentionSweep._dispose_batch = announced
store = open_store(sys.argv[1], Path(sys.argv[2]))
print("ready", flush=True)
sweep.RetentionSweep(store, "harmonic").run(date(2034, 6, 2))
"""


def _held(store: Store, subject: str) -> tuple[int, int]:
    with store.sessions() as session:
        fields = session.scalar(
            select(func.count()).where(
                SubjectFieldRow.organisation_id == ORG, SubjectFieldRow.subject_id == subject
            )
        )
        visits = session.scalar(
            select(func.count()).where(
                AppointmentRow.organisation_id == ORG, AppointmentRow.subject_id == subject
            )
        )
    return int(fields or 0), int(visits or 0)


@pytest.mark.promise("S0-34")
def test_a_sweep_killed_at_random_and_run_again_leaves_no_half_disposed_patient(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    due = [patient(store) for _ in range(60)]
    kept = [patient(store, seen=datetime(2030, 1, 1, 10, tzinfo=UTC)) for _ in range(5)]
    held = patient(store)
    desk = RetentionDesk(store, DPO)
    move(store, date(2034, 6, 1))
    RetentionSweep(store, ORG).run(date(2034, 6, 1))
    for review in desk.reviews():
        desk.decide(review.review_id, "dispose", "no further care expected")
    desk.place_hold(held, "complaint", "complaint under investigation", "complaints lead")
    rng = random.Random()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    killed = []
    for attempt in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, database_url, str(tmp_path / "keys")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        if attempt % 2:  # anywhere in the run
            time.sleep(rng.uniform(0.0, 1.0))
        else:  # inside the disposal of a batch, or between its commit and its keys' shredding
            child.stdout.readline()
            time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        code = child.wait()
        assert code in (-signal.SIGKILL, 0)  # killed, or done before the kill
        killed.append(code == -signal.SIGKILL)
        # a patient may wait between a batch's commit and the destruction of their key, for
        # the re-run to finish; never the other way round (a destroyed key with rows left)
        assert not [s for s in due if store.vault.is_erased(ORG, s) and _held(store, s) != (0, 0)]
        for subject in [*kept, held]:
            assert _held(store, subject) == (1, 1) and not store.vault.is_erased(ORG, subject)
    assert any(killed)
    RetentionSweep(store, ORG).run(date(2034, 6, 2))
    for subject in due:
        assert _held(store, subject) == (0, 0) and store.vault.is_erased(ORG, subject)
    for subject in [*kept, held]:
        assert _held(store, subject) == (1, 1) and not store.vault.is_erased(ORG, subject)
    assert all(result.ok for result in verify_store(store, ORG))

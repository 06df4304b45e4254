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

import hippocratic.services.retention_sweep as sweep_module
from hippocratic.services.audit import verify_store
from hippocratic.services.retention_desk import RetentionDesk
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions
from hippocratic.storage.clinic import AppointmentRow, PaymentRow
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


def _invoice(store: Store) -> str:
    subject = patient(store, seen=None)
    with store.sessions.begin() as session:
        session.add(
            PaymentRow(organisation_id=ORG, payment_id="p1", subject_id=subject, method=b"x",
                       amount_pence=9000, currency="GBP", status="paid",
                       taken_at=datetime(2026, 2, 1, 10, tzinfo=UTC), taken_by="billing")
        )  # fmt: skip
    move(store, date(2033, 2, 1))
    return subject


def _invoices(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(PaymentRow)) or 0)


def test_a_delete_the_deletion_register_could_not_take_does_not_happen(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invoice(store)

    def refused(*_: object, **__: object) -> int:
        raise RuntimeError("the key store is down")

    monkeypatch.setattr(sweep_module.deletions, "write", refused)
    with pytest.raises(RuntimeError):
        RetentionSweep(store, ORG).run(date(2033, 2, 1))
    assert _invoices(store) == 1  # not deleted, so nothing a restore could bring back
    monkeypatch.undo()
    assert disposal_deletions.entries(store.key_engine) == []


def test_a_sweep_that_dies_after_the_register_commits_leaves_no_disposal_unregistered(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = _invoice(store)

    def dies(*_: object, **__: object) -> None:
        raise RuntimeError("killed before the data commit")

    with monkeypatch.context() as patched:
        patched.setattr(RetentionSweep, "_certify", dies)
        with pytest.raises(RuntimeError):
            RetentionSweep(store, ORG).run(date(2033, 2, 1))
    assert _invoices(store) == 1  # the data rolled back; its entry was already there
    RetentionSweep(store, ORG).run(date(2033, 2, 1))  # run again: the invoice goes
    assert _invoices(store) == 0
    entries = disposal_deletions.entries(store.key_engine, ORG)
    assert {(e.subject, e.record_table, e.item, e.action) for e in entries} == {
        (subject, "payment", "p1", "delete")
    }

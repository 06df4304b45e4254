"""Backup and restore: a patient erased after a backup stays erased when it is restored
(unreadable, and absent from every list), the others come back whole, the ledger records the
rollback so verification explains it, and a tampered backup is refused."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from tests.services.clinic import actor, hire, presented

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import BackupTampered, Conflict, Erased, StoreExists
from hippocratic.policy.settings import RightName
from hippocratic.services.audit import Problem, verify_store
from hippocratic.services.backup import read_manifest, take_backup
from hippocratic.services.capture import Channel
from hippocratic.services.cases import CaseKind, Cases, NewCase
from hippocratic.services.erasure import Erasure
from hippocratic.services.keys import rotate
from hippocratic.services.patients import Patients
from hippocratic.services.records import Records
from hippocratic.services.restore import RestoreReport, restore
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store, open_store
from hippocratic.storage import disposal_register
from hippocratic.storage.keystore import RollbackRow, SubjectKeyRow
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.record import SubjectFieldRow

CAT = {"full_name": "Cat Example", "email": "cat@example.org", "phone": "020 7946 0002"}
DAN = {"full_name": "Dan Example", "email": "dan@example.org", "phone": "020 7946 0003"}


def enquire(store: Store, person: dict[str, str], text: str) -> str:
    case = Cases(store, actor("harmonic", "rita")).open(
        NewCase(CaseKind.ENQUIRY, text, Channel.WEB,
                presented(store, "harmonic", "enquiry", Channel.WEB), person=person)
    )  # fmt: skip
    return case.subject_id


def erase(store: Store, subject: str) -> str:
    dpo = Erasure(store, actor("harmonic", "dee"))
    request = dpo.submit(
        NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER, "Delete me")
    )
    dpo.carry_out(request.request_id)
    return request.request_id


class Scene:
    def __init__(self, store: Store, database_url: str, tmp_path: Path) -> None:
        self.url, self.keys, self.out = database_url, tmp_path / "keys", tmp_path / "backup"
        assert isinstance(store.clock, FixedClock)
        self.clock: FixedClock = store.clock
        hire(store)
        self.cat = enquire(store, CAT, "Do you scan at 6 weeks?")
        self.dan = enquire(store, DAN, "Is parking free?")
        self.report = take_backup(self.out, database_url, self.keys, self.clock)
        self.clock.advance(timedelta(days=3))
        self.request = erase(store, self.cat)
        self.clock.advance(timedelta(days=2))
        store.dispose()

    def restore(self, **options: bool) -> RestoreReport:
        return restore(self.out, self.url, self.keys, force=True, clock=self.clock, **options)

    def open(self) -> Store:
        return open_store(self.url, self.keys, self.clock)


@pytest.fixture
def scene(store: Store, database_url: str, tmp_path: Path) -> Scene:
    return Scene(store, database_url, tmp_path)


def assert_cat_stays_erased(scene: Scene, report: RestoreReport) -> None:
    assert report.erased_again == 1
    (harmonic,) = [o for o in report.organisations if o.organisation == "harmonic"]
    assert harmonic.held_again == 1  # the backup still held her rows
    store = scene.open()
    try:
        dee, rita = actor("harmonic", "dee"), actor("harmonic", "rita")
        shown = Records(store, dee).read(scene.cat, "rights_requests", ["full_name", "email"])
        assert not any(value.value for value in shown.values())  # nothing of hers to show
        with pytest.raises(Erased):  # what any copy of her ciphertext meets
            store.vault.for_organisation("harmonic").subject_key(scene.cat)
        assert Patients(store, rita).search({"email": CAT["email"]}) == []
        listed = Cases(store, rita).open_cases(CaseKind.ENQUIRY)
        assert [item.case.subject_id for item in listed.items] == [scene.dan]
        assert listed.items[0].patient["full_name"].value == "Dan Example"
        (found,) = Patients(store, rita).search({"email": DAN["email"]})
        assert found.subject_id == scene.dan
        dan = Records(store, dee).read(scene.dan, "rights_requests", ["email"])
        assert dan["email"].value == DAN["email"]
        with store.sessions() as session:
            left = session.scalars(
                select(SubjectFieldRow).where(SubjectFieldRow.subject_id == scene.cat)
            ).all()
            (restored,) = session.scalars(
                select(AuditEventRow.reason).where(
                    AuditEventRow.organisation_id == "harmonic",
                    AuditEventRow.action == "store.restored",
                )
            ).all()
        assert left == []
        assert restored and "1 subject(s) erased since the backup erased again" in restored
        assert "Cat" not in restored and scene.cat not in restored  # a count, never who
        (entry,) = disposal_register.entries(store.key_engine, "harmonic")
        assert (entry.subject, entry.cause, entry.reference, entry.actor) == (
            scene.cat, "erasure", scene.request, "dee"
        )  # fmt: skip
    finally:
        store.dispose()


@pytest.mark.promise("S0-112", "S1-34")
def test_a_patient_erased_after_a_backup_stays_erased_when_it_is_restored(scene: Scene) -> None:
    report = scene.restore()
    assert not report.keys_restored and report.live_register
    assert_cat_stays_erased(scene, report)


def test_the_restore_records_the_rollback_and_verification_explains_it(scene: Scene) -> None:
    report = scene.restore()
    assert report.verified, report.verification
    harmonic = next(v for v in report.verification if v["organisation"] == "harmonic")
    (rollback,) = harmonic["rollbacks"]
    assert f"from backup {scene.report.backup_id}" in rollback
    assert "were lost" in rollback  # the erasure's events were witnessed, then rolled back
    item = next(o for o in report.organisations if o.organisation == "harmonic")
    assert item.restored_to == scene.report.ledger["harmonic"]["seq"]
    assert item.lost_events > 0
    assert item.head == item.restored_to + 1  # the restore's own event, signed


@pytest.mark.promise("S0-112", "S1-34")
def test_restoring_the_key_store_from_before_the_shred_still_leaves_the_patient_erased(
    scene: Scene,
) -> None:
    report = scene.restore(keys_too=True)
    assert report.keys_restored
    (harmonic,) = [o for o in report.organisations if o.organisation == "harmonic"]
    assert harmonic.keys_destroyed == 1  # the key-store backup brought her key back
    assert_cat_stays_erased(scene, report)
    store = scene.open()
    try:
        with store.key_engine.connect() as connection:
            keys = set(connection.scalars(select(SubjectKeyRow.subject_id)))
        assert scene.cat not in keys and scene.dan in keys
    finally:
        store.dispose()
    assert report.verified, report.verification


def test_a_tampered_backup_is_refused_and_nothing_is_restored(scene: Scene) -> None:
    manifest = read_manifest(scene.out)
    name = next(n for n in manifest.files if n.startswith("data/"))
    path = scene.out / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BackupTampered, match="does not match its manifest"):
        scene.restore()
    store = scene.open()  # the live store is as it was: the patient erased, no restore event
    try:
        with store.sessions() as session:
            assert not session.scalars(
                select(AuditEventRow).where(AuditEventRow.action == "store.restored")
            ).all()
    finally:
        store.dispose()


def test_without_its_signed_statement_the_rollback_fails_verification(scene: Scene) -> None:
    scene.restore()
    store = scene.open()
    try:
        with store.key_engine.begin() as connection:  # someone deletes the statements
            connection.execute(delete(RollbackRow))
        results = {r.organisation: r for r in verify_store(store)}
    finally:
        store.dispose()
    assert not results["harmonic"].ok  # a rollback nobody signed is a cut tail, not silence
    assert results["harmonic"].kind in (Problem.TRUNCATED, Problem.CHECKPOINT)


def test_a_restore_over_a_store_needs_force(scene: Scene) -> None:
    with pytest.raises(StoreExists, match="holds a store"):
        restore(scene.out, scene.url, scene.keys, clock=scene.clock)


def test_a_key_store_backup_retired_by_a_rotation_is_refused(scene: Scene) -> None:
    rotate(scene.url, scene.keys, clock=scene.clock)
    with pytest.raises(Conflict, match="retired by a key rotation"):
        scene.restore(keys_too=True)


@pytest.mark.promise("S0-75", "S1-24")
def test_the_data_backup_holds_no_plaintext_and_no_key(scene: Scene) -> None:
    manifest = read_manifest(scene.out)
    path = scene.out / manifest.file_in("data")
    data = path.read_bytes()
    if manifest.store_engine == "postgresql":  # the custom format is compressed: as SQL
        data = subprocess.run(
            ["pg_restore", "--file=-", str(path)], capture_output=True, check=True
        ).stdout
        assert b"COPY" in data and b"subject_field" in data
    for value in (*CAT.values(), *DAN.values(), "Do you scan at 6 weeks?"):
        assert value.encode() not in data
    if manifest.store_engine == "sqlite":
        with sqlite3.connect(scene.out / manifest.file_in("data")) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert "subject_key" not in tables and "organisation_key" not in tables
    assert manifest.file_in("keys") != manifest.file_in("data")
    assert "password" not in manifest.store_url

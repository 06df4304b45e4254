"""Per-patient envelope encryption, blind indexes, crypto-shredding and key rotation."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from hippocratic.errors import ConfigurationError, TamperedData
from hippocratic.services import keys as key_service
from hippocratic.services.records import Actor, FieldState, Records
from hippocratic.services.store import open_store
from hippocratic.storage.vault import normalise

PATIENT = {
    "full_name": "Ada Example",
    "nhs_number": "943 476 5919",
    "email": "Ada.Example@Example.org",
    "phone": "07700 900123",
    "medical_history": "Asthma since childhood",
}
FIELDS = list(PATIENT)


def reception(store) -> Records:
    return Records(store, Actor("harmonic", "alice", "reception"))


def dpo(store) -> Records:
    return Records(store, Actor("harmonic", "dee", "dpo"))


def raw_fields(store, subject: str) -> dict[str, tuple[bytes | None, str | None]]:
    from sqlalchemy import text

    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT field, ciphertext, value FROM subject_field WHERE subject_id = :subject"),
            {"subject": subject},
        )
        return {field: (bytes(ct) if ct is not None else None, value) for field, ct, value in rows}


@pytest.mark.promise("S0-08", "S1-24", "S1-22", "S0-75", "S0-87")
def test_identity_and_health_fields_are_ciphertext_at_rest(store) -> None:
    subject = reception(store).register("care", PATIENT)
    stored = raw_fields(store, subject)
    for field, value in PATIENT.items():
        ciphertext, plain = stored[field]
        assert plain is None, field
        assert ciphertext is not None
        assert value.encode() not in ciphertext
        assert ciphertext[:1] == b"\x01"
    assert (
        dpo(store).read(subject, "rights_requests", FIELDS)["medical_history"].value
        == PATIENT["medical_history"]
    )


def test_a_ciphertext_moved_to_another_field_or_patient_fails(store) -> None:
    records = reception(store)
    first = records.register("care", PATIENT)
    second = records.register("care", {**PATIENT, "full_name": "Bea Sample"})
    name_ct = raw_fields(store, first)["full_name"][0]
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE subject_field SET ciphertext = ? WHERE subject_id = ? AND field = 'email'"
            if store.engine.dialect.name == "sqlite"
            else "UPDATE subject_field SET ciphertext = %s WHERE subject_id = %s AND field = 'email'",
            (name_ct, first),
        )
        connection.exec_driver_sql(
            "UPDATE subject_field SET ciphertext = ? WHERE subject_id = ? AND field = 'full_name'"
            if store.engine.dialect.name == "sqlite"
            else "UPDATE subject_field SET ciphertext = %s WHERE subject_id = %s AND field = 'full_name'",
            (name_ct, second),
        )
    with pytest.raises(TamperedData):
        dpo(store).read(first, "rights_requests", ["email"])
    with pytest.raises(TamperedData):
        dpo(store).read(second, "rights_requests", ["full_name"])


@pytest.mark.promise("S0-82")
@pytest.mark.parametrize(
    ("field", "stored", "searched"),
    [
        ("nhs_number", "943 476 5919", "9434765919"),
        ("nhs_number", "943 476 5919", "943-476-5919"),
        ("email", "Ada.Example@Example.org", "  ada.example@example.ORG "),
        ("phone", "07700 900123", "+44 7700 900123"),
    ],
)
def test_blind_index_finds_identifiers_in_any_format(
    store, field: str, stored: str, searched: str
) -> None:
    records = reception(store)
    subject = records.register("care", {**PATIENT, field: stored})
    records.register(
        "care",
        {
            **PATIENT,
            "nhs_number": "999 000 0018",
            "email": "other@example.org",
            "phone": "07700 900999",
        },
    )
    assert records.find("care", field, searched) == [subject]


def test_normalisation() -> None:
    assert normalise("nhs_number", "943 476 5919") == "9434765919"
    assert normalise("phone", "07700 900123") == "+447700900123"
    assert normalise("email", " A@Example.ORG") == "a@example.org"


@pytest.mark.promise("S0-112", "S1-34")
def test_shredding_makes_every_copy_unreadable(store, tmp_path: Path) -> None:
    records = reception(store)
    erased = records.register("care", PATIENT)
    kept = records.register("care", {**PATIENT, "full_name": "Bea Sample"})
    backup = None
    if store.engine.dialect.name == "sqlite":
        database = Path(store.engine.url.database)
        backup = tmp_path / "backup.db"
        store.engine.dispose()
        shutil.copy(database, backup)
    dpo(store).erase(erased, "rights_requests")
    after = dpo(store).read(erased, "rights_requests", FIELDS)
    assert {value.state for value in after.values()} == {FieldState.ERASED}
    assert all(value.value is None for value in after.values())
    assert (
        dpo(store).read(kept, "rights_requests", ["full_name"])["full_name"].value == "Bea Sample"
    )
    if backup is not None:
        store.engine.dispose()
        shutil.copy(backup, Path(store.engine.url.database))
        restored = dpo(store).read(erased, "rights_requests", FIELDS)
        assert {value.state for value in restored.values()} == {FieldState.ERASED}
        assert (
            dpo(store).read(kept, "rights_requests", ["full_name"])["full_name"].value
            == "Bea Sample"
        )


def test_an_erased_patient_cannot_be_written_again(store) -> None:
    records = reception(store)
    subject = records.register("care", PATIENT)
    dpo(store).erase(subject, "rights_requests")
    from hippocratic.errors import Erased

    with pytest.raises(Erased):
        records.update(subject, "care", {"full_name": "New Name"})


def test_rotation_keeps_every_value_readable(store, tmp_path: Path, clock) -> None:
    records = reception(store)
    subjects = [
        records.register("care", {**PATIENT, "full_name": f"Patient {n}"}) for n in range(5)
    ]
    old_master = (tmp_path / "keys" / "master.key").read_bytes()
    report = key_service.rotate(store, tmp_path / "keys")
    assert report.subject_keys_rewrapped["harmonic"] == 5
    assert (tmp_path / "keys" / "master.key").read_bytes() != old_master
    for n, subject in enumerate(subjects):
        assert (
            dpo(store).read(subject, "rights_requests", ["full_name"])["full_name"].value
            == f"Patient {n}"
        )
    reopened = open_store(
        str(store.engine.url.render_as_string(hide_password=False)), tmp_path / "keys", clock
    )
    assert (
        Records(reopened, Actor("harmonic", "dee", "dpo"))
        .read(subjects[0], "rights_requests", ["full_name"])["full_name"]
        .value
        == "Patient 0"
    )
    reopened.dispose()


def test_key_files_are_owner_only(store, tmp_path: Path) -> None:
    for path in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_the_wrong_master_key_is_a_clear_error(store, tmp_path: Path, clock, monkeypatch) -> None:
    import base64
    import os

    monkeypatch.setenv("HIPPOCRATIC_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    other = open_store(
        str(store.engine.url.render_as_string(hide_password=False)), tmp_path / "keys", clock
    )
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        Records(other, Actor("harmonic", "dee", "dpo"))
    other.dispose()


@pytest.mark.promise("S1-23")
def test_one_organisation_never_reads_anothers_patients(store) -> None:
    from hippocratic.errors import NotFound

    subject = reception(store).register("care", PATIENT)
    outsider = Records(store, Actor("harmony", "dana", "dpo"))
    with pytest.raises(NotFound):
        outsider.read(subject, "rights_requests", ["full_name"])
    harmony_patient = Records(store, Actor("harmony", "rita", "reception")).register(
        "service_delivery", {"full_name": "Cy Example", "email": "ada.example@example.org"}
    )
    assert reception(store).find("care", "email", "ada.example@example.org") == [subject]
    assert Records(store, Actor("harmony", "rita", "reception")).find(
        "service_delivery", "email", "ada.example@example.org"
    ) == [harmony_patient]

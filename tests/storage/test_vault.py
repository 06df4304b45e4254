"""The vault over a real data table: ciphertext at rest, binding, blind indexes, shredding that
survives a restore of the data, rotation, and organisations kept apart.

The data lives in ``database_url`` (SQLite file or PostgreSQL schema); the keys live in their own
key store beside it, as in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, LargeBinary, MetaData, String, Table, select, text

from hippocratic.errors import Erased, InputError, TamperedData
from hippocratic.storage.database import make_engine
from hippocratic.storage.keystore import LocalMasterKey, open_key_engine
from hippocratic.storage.organisation_vault import OrganisationVault
from hippocratic.storage.vault import Vault, normalise

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DATA = MetaData()
PATIENT_FIELD = Table(
    "patient_field",
    DATA,
    Column("organisation_id", String(64), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("blind_index", LargeBinary),
)
ADA = {
    "full_name": "Ada Example",
    "nhs_number": "999 000 0018",
    "email": "Ada.Example@Example.org",
    "phone": "07700 900123",
    "medical_history": "Asthma since childhood",
}
IDENTIFIERS = ("nhs_number", "email", "phone")


@dataclass
class Clinic:
    data: Engine
    keys: Engine
    vault: Vault
    master: LocalMasterKey

    def org(self, organisation: str = "harmonic") -> OrganisationVault:
        return self.vault.for_organisation(organisation)

    def store(self, subject: str, values: dict[str, str], organisation: str = "harmonic") -> None:
        org = self.org(organisation)
        rows = [
            {
                "organisation_id": organisation,
                "subject_id": subject,
                "field": field,
                "ciphertext": org.encrypt_field(subject, field, value),
                "blind_index": org.blind_index(field, value) if field in IDENTIFIERS else None,
            }
            for field, value in values.items()
        ]
        with self.data.begin() as connection:
            connection.execute(PATIENT_FIELD.insert(), rows)

    def raw(self, subject: str, organisation: str = "harmonic") -> dict[str, bytes]:
        with self.data.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT field, ciphertext FROM patient_field "
                    "WHERE organisation_id = :org AND subject_id = :subject"
                ),
                {"org": organisation, "subject": subject},
            )
            return {field: bytes(blob) for field, blob in rows}

    def read(self, subject: str, organisation: str = "harmonic") -> dict[str, str]:
        org = self.org(organisation)
        return {
            field: org.decrypt_field(subject, field, blob)
            for field, blob in self.raw(subject, organisation).items()
        }

    def find(self, field: str, value: str, organisation: str = "harmonic") -> list[str]:
        index = self.org(organisation).blind_index(field, value)
        with self.data.connect() as connection:
            return list(
                connection.scalars(
                    select(PATIENT_FIELD.c.subject_id).where(
                        PATIENT_FIELD.c.organisation_id == organisation,
                        PATIENT_FIELD.c.field == field,
                        PATIENT_FIELD.c.blind_index == index,
                    )
                )
            )

    def put_raw(
        self, subject: str, field: str, blob: bytes, organisation: str = "harmonic"
    ) -> None:
        with self.data.begin() as connection:
            connection.execute(
                PATIENT_FIELD.update()
                .where(
                    PATIENT_FIELD.c.organisation_id == organisation,
                    PATIENT_FIELD.c.subject_id == subject,
                    PATIENT_FIELD.c.field == field,
                )
                .values(ciphertext=blob)
            )


@pytest.fixture
def clinic(database_url: str, tmp_path: Path) -> Iterator[Clinic]:
    yield from open_clinic(database_url, tmp_path)


@pytest.fixture
def sqlite_clinic(tmp_path: Path) -> Iterator[Clinic]:
    """On SQLite only: the whole database is one file (and its WAL) that a test can scan."""
    yield from open_clinic(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)


def open_clinic(database_url: str, tmp_path: Path) -> Iterator[Clinic]:
    data = make_engine(database_url)
    DATA.create_all(data)
    keys = open_key_engine(f"sqlite:///{tmp_path / 'keys' / 'keys.db'}")
    Vault.create_schema(keys)
    master = LocalMasterKey.create_file(tmp_path / "keys" / "master.key")
    vault = Vault(keys, master, lambda: NOW)
    vault.create_organisation("harmonic")
    vault.create_organisation("harmony")
    yield Clinic(data, keys, vault, master)
    data.dispose()
    keys.dispose()


@pytest.mark.promise("S0-08", "S0-75", "S1-24")
def test_the_raw_column_holds_ciphertext_and_the_vault_reads_it_back(clinic: Clinic) -> None:
    clinic.store("p1", ADA)
    raw = clinic.raw("p1")
    for field, value in ADA.items():
        assert value.encode() not in raw[field]
        assert normalise(field, value).encode() not in raw[field]
        assert raw[field][0] == 2  # format version
        assert len(raw[field]) == 1 + 4 + 12 + len(value.encode()) + 16
    assert raw["email"][1:5] == raw["full_name"][1:5]  # one subject key, one key id
    assert clinic.read("p1") == ADA


@pytest.mark.promise("S0-75", "S1-24")
def test_the_data_file_holds_no_plaintext(sqlite_clinic: Clinic) -> None:
    clinic = sqlite_clinic
    clinic.store("p1", ADA)
    clinic.data.dispose()
    database = Path(str(clinic.data.url.database))
    on_disk = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for value in ADA.values():
        assert value.encode() not in on_disk
    assert b"9990000018" not in on_disk and b"ada.example@example.org" not in on_disk


def test_a_ciphertext_moved_to_another_field_patient_or_organisation_fails(
    clinic: Clinic,
) -> None:
    clinic.store("p1", ADA)
    clinic.store("p2", {**ADA, "full_name": "Bea Sample"})
    clinic.store("p1", {"full_name": "Cy Other"}, organisation="harmony")
    name = clinic.raw("p1")["full_name"]
    clinic.put_raw("p1", "email", name)
    with pytest.raises(TamperedData, match="does not belong there"):
        clinic.org().decrypt_field("p1", "email", clinic.raw("p1")["email"])
    clinic.put_raw("p2", "full_name", name)
    with pytest.raises(TamperedData, match="another key"):
        clinic.read("p2")
    clinic.put_raw("p1", "full_name", name, organisation="harmony")
    with pytest.raises(TamperedData):
        clinic.read("p1", organisation="harmony")
    altered = bytearray(clinic.raw("p1")["medical_history"])
    altered[-1] ^= 1
    with pytest.raises(TamperedData):
        clinic.org().decrypt_field("p1", "medical_history", bytes(altered))
    with pytest.raises(TamperedData, match="not a vault ciphertext"):
        clinic.org().decrypt_field("p1", "medical_history", b"Asthma since childhood")
    assert clinic.org().decrypt_field("p1", "full_name", name) == "Ada Example"


def test_one_organisations_keys_never_decrypt_anothers_data(clinic: Clinic) -> None:
    clinic.store("p1", ADA)
    blob = clinic.raw("p1")["full_name"]
    harmony = clinic.org("harmony")
    harmony.ensure_subject_key("p1")  # the same subject id, in another organisation
    with pytest.raises(TamperedData):
        harmony.decrypt_field("p1", "full_name", blob)
    assert clinic.org().blind_index("nhs_number", ADA["nhs_number"]) != harmony.blind_index(
        "nhs_number", ADA["nhs_number"]
    )
    assert clinic.find("nhs_number", ADA["nhs_number"], organisation="harmony") == []


@pytest.mark.parametrize(
    ("field", "stored", "searched"),
    [
        ("nhs_number", "999 000 0018", "9990000018"),
        ("nhs_number", "999 000 0018", "999-000-0018"),
        ("email", "Ada.Example@Example.org", "  ada.example@EXAMPLE.org "),
        ("phone", "07700 900123", "+44 7700 900123"),
        ("phone", "07700 900123", "(07700) 900-123"),
        ("phone", "+44 (0)7700 900123", "0044 7700 900123"),
    ],
)
def test_a_blind_index_finds_identifiers_in_any_format(
    clinic: Clinic, field: str, stored: str, searched: str
) -> None:
    clinic.store("p1", {field: stored})
    clinic.store(
        "p2", {"nhs_number": "999 000 0026", "email": "b@example.org", "phone": "07700 900999"}
    )
    assert clinic.find(field, searched) == ["p1"]
    assert clinic.raw("p1")[field] != clinic.org().blind_index(field, searched)


def test_normalisation_and_bad_phone_numbers() -> None:
    assert normalise("nhs_number", " 999 000 0018 ") == "9990000018"
    assert normalise("email", " A@Example.ORG") == "a@example.org"
    assert normalise("mobile_phone", "07700 900123") == "+447700900123"
    with pytest.raises(InputError) as caught:
        normalise("phone", "call me maybe")
    assert caught.value.field == "phone"


@pytest.mark.promise("S1-24")
def test_after_a_shred_a_restored_copy_of_the_data_is_still_unreadable(
    clinic: Clinic, tmp_path: Path
) -> None:
    clinic.store("erased", ADA)
    clinic.store("kept", {**ADA, "full_name": "Bea Sample"})
    clinic.store("erased", ADA, organisation="harmony")
    before = clinic.raw("erased")
    restore = _backup(clinic, tmp_path)
    clinic.org().shred_subject("erased")
    restore()
    assert clinic.raw("erased") == before  # the very same ciphertext is back...
    with pytest.raises(Erased):  # ...and nothing opens it
        clinic.read("erased")
    assert clinic.org().is_erased("erased")
    assert clinic.read("kept")["full_name"] == "Bea Sample"
    assert clinic.read("erased", organisation="harmony") == ADA
    with pytest.raises(Erased):
        clinic.store("erased", {"full_name": "Ada Again"})


def _backup(clinic: Clinic, tmp_path: Path) -> Callable[[], None]:
    """Back up the data now; the returned function restores it (file copy on SQLite, table
    copy on PostgreSQL, as a dump and reload would)."""
    if clinic.data.dialect.name == "sqlite":
        database = Path(str(clinic.data.url.database))
        clinic.data.dispose()  # the last connection out checkpoints the WAL into the file
        copies = {
            path.name: path.read_bytes() for path in database.parent.glob(database.name + "*")
        }

        def restore_file() -> None:
            clinic.data.dispose()
            for stale in database.parent.glob(database.name + "*"):
                stale.unlink()
            for name, content in copies.items():
                (database.parent / name).write_bytes(content)

        return restore_file
    with clinic.data.connect() as connection:
        saved = [dict(row._mapping) for row in connection.execute(select(PATIENT_FIELD))]

    def restore_rows() -> None:
        with clinic.data.begin() as connection:
            connection.execute(PATIENT_FIELD.delete())
            connection.execute(PATIENT_FIELD.insert(), saved)

    return restore_rows


@pytest.mark.promise("S1-24")
def test_rotation_keeps_every_value_readable(clinic: Clinic, tmp_path: Path) -> None:
    patients = {f"p{n}": {**ADA, "full_name": f"Patient {n}"} for n in range(8)}
    for subject, values in patients.items():
        clinic.store(subject, values)
    new = LocalMasterKey.generate()
    assert clinic.vault.rotate_master(new) == 6
    assert clinic.vault.rotate_organisation_key("harmonic") == 8
    for subject, values in patients.items():
        assert clinic.read(subject) == values
    reopened = Vault(clinic.keys, new, lambda: NOW, cache_seconds=0)
    for subject, values in patients.items():
        org = reopened.for_organisation("harmonic")
        assert {f: org.decrypt_field(subject, f, b) for f, b in clinic.raw(subject).items()} == (
            values
        )
    assert clinic.find("email", ADA["email"]) == sorted(patients)
    clinic.store("p9", ADA)  # new keys go under the new organisation key version
    assert (
        reopened.for_organisation("harmonic").decrypt_field(
            "p9", "email", clinic.raw("p9")["email"]
        )
        == ADA["email"]
    )

"""Key rotation of a whole store: new master key, new organisation keys, nothing unreadable."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from hippocratic.errors import ConfigurationError
from hippocratic.services import keys as key_service
from hippocratic.services.store import Store, open_store
from hippocratic.storage.keystore import LocalMasterKey
from hippocratic.storage.vault import Vault


def url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def seal(store: Store, count: int) -> dict[str, bytes]:
    blobs = {}
    for n in range(count):
        subject = f"patient-{n}"
        blobs[subject] = store.vault.for_organisation("harmonic").encrypt_field(
            subject, "full_name", f"Patient {n}"
        )
    return blobs


def readable(vault: Vault, blobs: dict[str, bytes]) -> dict[str, str]:
    org = vault.for_organisation("harmonic")
    return {s: org.decrypt_field(s, "full_name", blob) for s, blob in blobs.items()}


@pytest.mark.promise("S1-24")
def test_rotation_replaces_the_master_key_and_keeps_every_value_readable(
    store: Store, tmp_path: Path, clock: object
) -> None:
    keys = tmp_path / "keys"
    blobs = seal(store, 5)
    old_master = (keys / "master.key").read_bytes()
    report = key_service.rotate(url(store), keys)
    assert report.subject_keys_rewrapped == {"harmonic": 5, "harmony": 0}
    assert report.organisation_key_versions == {"harmonic": 2, "harmony": 2}
    assert report.master_rewrapped == 6
    assert report.previous_master_key_id != report.master_key_id
    assert (keys / "master.key").read_bytes() != old_master
    assert stat.S_IMODE((keys / "master.key").stat().st_mode) == 0o600
    assert not (keys / "master.key.next").exists()
    assert LocalMasterKey.from_file(keys / "master.key").key_id == report.master_key_id
    reopened = open_store(url(store), keys, clock)  # type: ignore[arg-type]
    assert readable(reopened.vault, blobs) == {s: f"Patient {n}" for n, s in enumerate(blobs)}
    reopened.dispose()
    stale = Vault(store.key_engine, LocalMasterKey(base64.b64decode(old_master)), clock.now)  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="does not unwrap"):
        readable(stale, blobs)


def test_a_running_server_keeps_reading_through_a_rotation(store: Store, tmp_path: Path) -> None:
    blobs = seal(store, 3)
    key_service.rotate(url(store), tmp_path / "keys")
    key_service.rotate(url(store), tmp_path / "keys")
    fresh = seal(store, 5)  # new patients get keys under the newest organisation key
    assert readable(store.vault, blobs | fresh)["patient-4"] == "Patient 4"


def test_a_master_key_from_the_environment_is_not_rotated_silently(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPPOCRATIC_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ConfigurationError, match="HIPPOCRATIC_MASTER_KEY") as caught:
        key_service.rotate(url(store), tmp_path / "keys")
    assert caught.value.hint is not None and "--master-key-file" in caught.value.hint


def test_rotating_where_there_is_no_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no Hippocratic store"):
        key_service.rotate(f"sqlite:///{tmp_path / 'nothing.db'}", tmp_path / "keys")

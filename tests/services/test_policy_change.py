"""Changing an organisation's policy in a store: checked like any policy, never stranding
staff or going back to an older notice, enforced by the guard at once, and on the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.services.clinic import cleared, events

from hippocratic.errors import AccessDenied, Conflict, InputError, PolicyInvalid
from hippocratic.services import staff
from hippocratic.services import store as store_module
from hippocratic.services.actor import Actor
from hippocratic.services.payments import PaymentMethod, Payments
from hippocratic.services.policy_change import change_policy
from hippocratic.services.records import Records
from hippocratic.services.store import Store, open_store

PASSWORD = "correct horse battery"


def variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = HARMONIC_POLICY.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "changed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NEW_NOTICE = ('version: "2024-11-18"', 'version: "2026-12-01"')
# Reception no longer takes part in care (say the clinic moved bookings to a booking service).
NO_CARE = (
    "    purposes: [identify_you, enquiries, care, administration, optional_service_messages,",
    "    purposes: [identify_you, enquiries, administration, optional_service_messages,",
)


def test_a_changed_policy_is_enforced_at_once_and_recorded(store: Store, tmp_path: Path) -> None:
    reception = Records(store, Actor("harmonic", "rita", "reception"))
    subject = reception.register("care", {"full_name": "Ada Example"})
    change = change_policy(store, variant(tmp_path, NEW_NOTICE, NO_CARE))
    assert (change.old_notice, change.new_notice) == ("2024-11-18", "2026-12-01")
    assert store.policy_of("harmonic").notice.version == "2026-12-01"
    with pytest.raises(AccessDenied):  # the next request (a new service) is decided anew
        Records(store, Actor("harmonic", "rita", "reception")).read(subject, "care", ["full_name"])
    (event,) = [e for e in events(store) if e.action == "policy.changed"]
    assert change.old_sha256 in (event.reason or "") and change.new_sha256 in (event.reason or "")
    with pytest.raises(Conflict, match="already in force"):
        change_policy(store, tmp_path / "changed.yaml")


def test_a_change_that_would_break_something_changes_nothing(store: Store, tmp_path: Path) -> None:
    before = store.policy_of("harmonic")
    with pytest.raises(InputError, match="before the one in force"):
        change_policy(
            store,
            variant(tmp_path, ('version: "2024-11-18"', 'version: "2025-01-01"'),
                    ("effective_date: 2024-11-18", "effective_date: 2023-01-01")),
        )  # fmt: skip
    with pytest.raises(PolicyInvalid):
        change_policy(
            store, variant(tmp_path, NEW_NOTICE, ("lawful_basis: consent", "lawful_basis: whim"))
        )
    staff.add(
        store, "harmonic", "quinn", "Quinn Quality", "quality_reviewer", PASSWORD, **cleared(store)
    )
    dropped = variant(
        tmp_path, NEW_NOTICE, ("  - key: quality_reviewer\n", "  - key: quality_review\n")
    )
    with pytest.raises(Conflict, match="quinn"):
        change_policy(store, dropped)
    assert store.policy_of("harmonic") is before
    assert [e for e in events(store) if e.action == "policy.changed"] == []


def test_a_kind_of_record_the_store_holds_cannot_stop_being_kept(
    store: Store, tmp_path: Path
) -> None:
    text = HARMONY_POLICY.read_text(encoding="utf-8")
    binding = "  payment: {purpose: accounting, method_field: invoice}\n"
    assert binding in text
    unbound = tmp_path / "harmony-no-payments.yaml"
    unbound.write_text(text.replace(binding, "", 1), encoding="utf-8")
    subject = Records(store, Actor("harmony", "rhea", "reception")).register(
        "service_delivery", {"full_name": "Hal Example"}
    )
    Payments(store, Actor("harmony", "bea", "billing")).record(subject, PaymentMethod.CASH, 4500)
    with pytest.raises(Conflict, match="no longer keeps payment records, and the store holds 1"):
        change_policy(store, unbound)


def test_another_process_enforces_the_change_within_seconds(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = open_store(database_url, tmp_path / "keys")  # as `serve` holds it
    monkeypatch.setattr(store_module, "POLICY_RECHECK", 3600.0)
    try:
        assert server.policy_of("harmonic").notice.version == "2024-11-18"
        change_policy(store, variant(tmp_path, NEW_NOTICE))
        assert server.policy_of("harmonic").notice.version == "2024-11-18"  # trusted for now
        monkeypatch.setattr(store_module, "POLICY_RECHECK", 0.0)
        assert server.policy_of("harmonic").notice.version == "2026-12-01"
    finally:
        server.dispose()

"""Restoring an older backup never undoes a partial disposal: the records a retention sweep
deleted or anonymised for a patient who keeps others, and the items a partial erasure deleted,
stay gone (in no read or list), what was kept comes back, and the ledger still verifies."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.clinic import NEW_PATIENT, actor, hire
from tests.services.test_appointments import book

from hippocratic.domain.clock import FixedClock
from hippocratic.policy.settings import RightName
from hippocratic.services.audit import verify_store
from hippocratic.services.backup import take_backup
from hippocratic.services.capture import Channel
from hippocratic.services.cases import CaseKind, Cases, NewCase
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.erasure import Erasure
from hippocratic.services.payments import PaymentMethod, Payments
from hippocratic.services.records import Records
from hippocratic.services.restore import restore
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store, open_store
from hippocratic.storage import disposal_deletions
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.clinic import CaseRow, PaymentRow
from hippocratic.storage.ledger import AuditEventRow

BEA = {
    **NEW_PATIENT,
    "full_name": "Bea Example",
    "email": "bea.example@example.org",
    "phone": "020 7946 0959",
}


def message_to(store: Store, subject: str) -> str:
    message = str(uuid.uuid4())
    with store.sessions.begin() as session:
        session.add(
            CampaignMessageRow(organisation_id="harmonic", message_id=message,
                               campaign_id=str(uuid.uuid4()), subject_id=subject,
                               channel="email", status="sent", sent_at=store.clock.now(),
                               unsubscribed=False, attempts=1)
        )  # fmt: skip
    return message


def payments_of(store: Store, subject: str) -> list[str]:
    page = Payments(store, actor("harmonic", "bill")).for_patient(subject)
    return [payment.payment_id for payment in page.items]


@pytest.mark.promise("S0-112", "S1-34")
@pytest.mark.parametrize("keys_too", [False, True], ids=["live-keys", "keys-too"])
def test_a_restore_replays_a_sweeps_deletes_and_a_partial_erasure(
    store: Store, database_url: str, tmp_path: Path, keys_too: bool
) -> None:
    """With ``keys_too`` the key store comes back from before the disposals as well: the live
    deletion register is carried into it first."""
    assert isinstance(store.clock, FixedClock)
    clock, keys, out = store.clock, tmp_path / "keys", tmp_path / "backup"
    hire(store)
    ada = book(store).subject_id  # type: ignore[attr-defined]
    billing = Payments(store, actor("harmonic", "bill"))
    old = billing.record(ada, PaymentMethod.CASH, 9000).payment_id
    old_message = message_to(store, ada)
    clock.advance(timedelta(days=7 * 365 + 90))  # the old invoice is past its six years
    new = billing.record(ada, PaymentMethod.CASH, 4500).payment_id
    bea = book(store, patient=BEA, starts_at=clock.now() + timedelta(days=2)).subject_id  # type: ignore[attr-defined]
    ClinicalEntries(store, actor("harmonic", "sam")).add(bea, "scan_report", "Scan normal.")
    Cases(store, actor("harmonic", "rita")).open(
        NewCase(CaseKind.ENQUIRY, "Is parking free?", Channel.PHONE, subject=bea)
    )
    bea_message = message_to(store, bea)
    take_backup(out, database_url, keys, clock)

    clock.advance(timedelta(days=1))
    swept = RetentionSweep(store, "harmonic").run(clock.now().date())
    assert swept.counts["financial_record/payment/delete"] == 1
    assert swept.counts["campaign_performance/campaign_message/anonymise"] == 1
    dpo = Erasure(store, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(bea, RightName.ERASURE, RequestChannel.LETTER, "Go"))
    assert not dpo.plan(request.request_id).whole  # her scan report is kept
    dpo.carry_out(request.request_id)
    register = disposal_deletions.entries(store.key_engine, "harmonic")
    named = {(e.subject, e.record_table, e.action, e.cause) for e in register}
    assert (ada, "payment", "delete", "retention") in named
    assert (ada, "campaign_message", "anonymise", "retention") in named
    assert (bea, "clinic_case", "delete", "erasure") in named
    assert (bea, "campaign_message", "anonymise", "erasure") in named
    assert all("Scan normal" not in e.item and "parking" not in e.item for e in register)
    assert payments_of(store, ada) == [new]
    clock.advance(timedelta(days=1))
    store.dispose()

    report = restore(out, database_url, keys, force=True, clock=clock, keys_too=keys_too)
    (harmonic,) = [o for o in report.organisations if o.organisation == "harmonic"]
    assert harmonic.deleted_again >= 2  # the old invoice, her enquiry
    assert harmonic.anonymised_again == 2  # the two campaign messages
    assert report.verified, report.verification
    restored = open_store(database_url, keys, clock)
    try:
        assert payments_of(restored, ada) == [new]  # the kept invoice is back, the old is not
        name = Records(restored, actor("harmonic", "dee")).read(
            ada, "rights_requests", ["full_name"]
        )
        assert name["full_name"].value == "Ada Example"  # her key and record live on
        rita = Cases(restored, actor("harmonic", "rita"))
        assert rita.for_patient(bea, CaseKind.ENQUIRY).items == []
        entries = ClinicalEntries(restored, actor("harmonic", "sam")).for_patient(bea)
        assert "Scan normal." in [e.content.value for e in entries.items]  # kept
        with restored.sessions() as session:
            assert session.get(PaymentRow, ("harmonic", old)) is None
            assert not session.scalars(select(CaseRow).where(CaseRow.subject_id == bea)).all()
            for message in (old_message, bea_message):
                row = session.get(CampaignMessageRow, ("harmonic", message))
                assert row is not None and row.subject_id is None
            (reason,) = session.scalars(
                select(AuditEventRow.reason).where(
                    AuditEventRow.organisation_id == "harmonic",
                    AuditEventRow.action == "store.restored",
                )
            ).all()
        assert reason and f"{harmonic.deleted_again} record(s)" in reason
        assert "anonymised again" in reason and "Bea" not in reason
        assert all(result.ok for result in verify_store(restored))
    finally:
        restored.dispose()

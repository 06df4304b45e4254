"""Erasure: a patient with no medical record is crypto-shredded (unreadable here and in a backup
taken before), a patient with one keeps it and is told why, and restriction may be chosen
instead; only the DPO carries it out."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from tests.services.clinic import actor, hire, presented
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, Conflict
from hippocratic.policy.settings import RightName
from hippocratic.services.capture import Channel
from hippocratic.services.cases import CaseKind, Cases, NewCase
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.erasure import Decision, Erasure
from hippocratic.services.field_value import FieldState
from hippocratic.services.records import Records
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.clinic import CaseRow, ClinicalEntryRow
from hippocratic.storage.record import SubjectFieldRow

ENQUIRER = {"full_name": "Cat Example", "email": "cat@example.org", "phone": "020 7946 0002"}


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def dpo(clinic: Store) -> Erasure:
    return Erasure(clinic, actor("harmonic", "dee"))


def ask_to_erase(clinic: Store, subject: str) -> str:
    request = dpo(clinic).submit(
        NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER, "Delete me")
    )
    return request.request_id


def backup_of(clinic: Store, subject: str) -> list[dict[str, object]]:
    """The patient's stored values as a backup taken now would hold them."""
    with clinic.sessions() as session:
        rows = session.scalars(select(SubjectFieldRow).where(SubjectFieldRow.subject_id == subject))
        return [
            {c.key: getattr(row, c.key) for c in SubjectFieldRow.__table__.columns} for row in rows
        ]


@pytest.mark.promise("S0-112", "S1-34")
def test_erasing_a_patient_with_no_medical_record_shreds_them_backups_included(
    clinic: Store,
) -> None:
    case = Cases(clinic, actor("harmonic", "rita")).open(
        NewCase(CaseKind.ENQUIRY, "Do you scan at 6 weeks?", Channel.WEB,
                presented(clinic, "harmonic", "enquiry", Channel.WEB), person=ENQUIRER)
    )  # fmt: skip
    subject = case.subject_id
    request_id = ask_to_erase(clinic, subject)
    plan = dpo(clinic).plan(request_id)
    assert plan.whole and {i.decision for i in plan.items} == {Decision.ERASE}
    assert any("medical record" in item.reason for item in plan.items)  # why identity goes
    backup = backup_of(clinic, subject)
    assert backup  # the values a backup taken before the erasure holds

    with pytest.raises(AccessDenied):
        Erasure(clinic, actor("harmonic", "rita")).carry_out(request_id)
    done = dpo(clinic).carry_out(request_id)
    assert done.status is RequestStatus.COMPLETED
    certificate = next(step.log for step in done.steps if step.name == "erase")
    assert "key destroyed" in certificate and "Cat Example" not in certificate
    assert clinic.vault.for_organisation("harmonic").is_erased(subject)
    with clinic.sessions() as session:
        assert not session.scalars(select(CaseRow).where(CaseRow.subject_id == subject)).all()
        assert not session.scalars(
            select(SubjectFieldRow).where(SubjectFieldRow.subject_id == subject)
        ).all()

    with clinic.sessions.begin() as session:  # the backup taken before is restored
        session.execute(SubjectFieldRow.__table__.insert(), backup)
    restored = Records(clinic, actor("harmonic", "dee")).read(
        subject, "rights_requests", ["full_name", "email"]
    )
    assert {value.state for value in restored.values()} == {FieldState.ERASED}
    with pytest.raises(Conflict):
        dpo(clinic).carry_out(request_id)


@pytest.mark.promise("S0-112", "S1-34")
def test_erasing_a_patient_with_medical_records_keeps_them_and_says_why(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    ClinicalEntries(clinic, actor("harmonic", "sam")).add(subject, "scan_report", "Scan normal.")
    Cases(clinic, actor("harmonic", "rita")).open(
        NewCase(CaseKind.ENQUIRY, "Is parking free?", Channel.PHONE, subject=subject)
    )
    with clinic.sessions.begin() as session:  # a campaign once reached them
        session.add(
            CampaignMessageRow(organisation_id="harmonic", message_id=str(uuid.uuid4()),
                               campaign_id=str(uuid.uuid4()), subject_id=subject,
                               channel="email", status="sent", sent_at=clinic.clock.now(),
                               unsubscribed=False, attempts=1)
        )  # fmt: skip
    request_id = ask_to_erase(clinic, subject)
    plan = dpo(clinic).plan(request_id)
    decisions = {item.category: item for item in plan.items}
    assert not plan.whole
    assert decisions["scan_record"].decision is Decision.KEEP
    assert "NHS Records Management Code" in decisions["scan_record"].reason
    assert "Art. 17(3)(c)" in decisions["scan_record"].reason
    assert decisions["identity"].decision is Decision.KEEP  # the record must name its patient
    assert decisions["enquiry"].decision is Decision.ERASE

    done = dpo(clinic).carry_out(request_id)
    assert done.status is RequestStatus.COMPLETED
    kept = f"kept {decisions['scan_record'].title}: part of your medical record"
    assert done.outcome is not None and kept in (done.outcome.value or "")
    assert not clinic.vault.for_organisation("harmonic").is_erased(subject)
    with clinic.sessions() as session:
        assert session.scalars(
            select(ClinicalEntryRow).where(ClinicalEntryRow.subject_id == subject)
        ).all()
        assert not session.scalars(select(CaseRow).where(CaseRow.subject_id == subject)).all()
        (message,) = session.scalars(select(CampaignMessageRow)).all()
        assert message.subject_id is None  # the campaign's count stays, the link goes


@pytest.mark.promise("S0-121")
def test_the_patient_may_have_their_data_restricted_instead(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    request_id = ask_to_erase(clinic, subject)
    done = dpo(clinic).carry_out(request_id, restrict_instead=True)
    assert done.status is RequestStatus.COMPLETED
    with pytest.raises(AccessDenied, match="restrict"):
        Records(clinic, actor("harmonic", "rita")).read(subject, "administration", ["email"])
    assert not clinic.vault.for_organisation("harmonic").is_erased(subject)

"""Referrals in: a GP or another provider sends a patient with a letter and a clinical
question (S0-126). The data comes from someone other than the patient, so every referral
opens an Art. 14 task (S0-18). Accepting a referral for a clinician opens their care
relationship with the patient for ``REFERRAL_CARE``; a booking then extends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.care_relationship import start_care
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.record_binding import ReferralBinding
from hippocratic.services.art14_tasks import open_task
from hippocratic.services.capture import Capture, DataSource, check
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.field_input import clean_values
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.services.records import ADMINISTRATION, Records
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import ReferralRow
from hippocratic.storage.repository import PatientRepository

REFERRAL_CARE = timedelta(days=90)
"""How long accepting a referral lets its clinician see the patient before any booking."""


class ReferrerKind(StrEnum):
    GP = "gp"
    PROVIDER = "provider"


class ReferralStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class Referral:
    referral_id: str
    subject_id: str
    referrer_kind: ReferrerKind
    referrer: FieldValue
    letter: FieldValue
    reason: FieldValue
    status: ReferralStatus
    received_at: datetime
    received_by: str
    decided_by: str | None
    decided_at: datetime | None
    clinician: str | None
    art14_due: date | None = None


@dataclass(frozen=True)
class Intake:
    referrer_kind: ReferrerKind
    referrer: str
    letter: str
    reason: str
    capture: Capture | None
    subject: str | None = None
    patient: Mapping[str, object] | None = None


class Referrals(ClinicService):
    def intake(self, intake: Intake, request_id: str | None = None) -> Referral:
        """Take a referral in: the patient (new or on record), the letter and the question,
        the notice the referral form carries, and the Art. 14 task it opens."""
        binding: ReferralBinding = self.binding("referral")
        if (intake.subject is None) == (intake.patient is None):
            raise InputError(
                "refer an existing patient (subject) or a new one (patient), not both",
                field="subject",
            )
        referrer = text(intake.referrer, "referrer", max_length=200)
        letter = text(intake.letter, "letter")
        reason = text(intake.reason, "reason", max_length=2000)
        for name, value in (("referrer", referrer), ("letter", letter), ("reason", reason)):
            if not value:
                raise InputError(f"a referral needs its {name}", field=name)
        personal = clean_values(self.policy, intake.patient or {}, self.today())
        records = Records(self.store, self.actor)
        indexes = records.indexes(personal)
        subject = intake.subject or str(uuid.uuid4())
        fields = [*personal, binding.referrer_field, binding.letter_field]
        request = self.request(binding.purpose, subject, fields, Action.CREATE, request_id)
        referral_id = str(uuid.uuid4())
        capture = intake.capture
        if capture is not None:
            capture = Capture(
                capture.form, capture.notice_version, capture.channel, DataSource.REFERRER
            )
        with self.store.sessions.begin() as session:
            on_record = (
                PatientRepository(session, self.organisation).present(subject)
                if intake.subject
                else set()
            )
            presentation = check(
                self.policy,
                capture,
                fields,
                on_record=on_record,
                forms=[binding.form] if binding.form else None,
            )
            guard = self.guard(session)
            assessment = guard.assess(request, presentation.audit_note)
            known = assessment.facts.known or intake.subject is None
            task = None
            if assessment.decision.allowed and known:
                now = self.now()
                if intake.subject is None:
                    records.create_subject(session, guard, subject, personal, indexes, None)
                session.add(presentation.row(self.organisation, self.actor.actor, subject, now))
                row = ReferralRow(
                    organisation_id=self.organisation,
                    referral_id=referral_id,
                    subject_id=subject,
                    referrer_kind=intake.referrer_kind.value,
                    referrer=self.seal(subject, binding.referrer_field, referral_id, referrer),
                    letter=self.seal(subject, binding.letter_field, referral_id, letter),
                    reason=self.seal(
                        subject, binding.letter_field, f"{referral_id}/reason", reason
                    ),
                    status=ReferralStatus.RECEIVED.value,
                    received_at=now,
                    received_by=self.actor.actor,
                    presentation_id=presentation.presentation_id,
                )
                session.add(row)
                session.flush()
                task = open_task(
                    session,
                    self.organisation,
                    subject,
                    "referral",
                    referral_id,
                    DataSource.REFERRER.value,
                    self.today(),
                )
        self.enforce(assessment, intake.subject)
        shown = self._shown(row, assessment.decision, self.key(subject))
        return Referral(**{**shown.__dict__, "art14_due": task.due_on if task else None})

    def _shown(self, row: ReferralRow, decision: Decision, key: SubjectKey | None) -> Referral:
        binding: ReferralBinding = self.binding("referral")
        reveal = self.reveal
        subject, rid = row.subject_id, row.referral_id
        referrer = reveal(decision, key, subject, binding.referrer_field, rid, row.referrer)
        letter = reveal(decision, key, subject, binding.letter_field, rid, row.letter)
        reason = reveal(decision, key, subject, binding.letter_field, f"{rid}/reason", row.reason)
        assert referrer is not None
        assert letter is not None
        assert reason is not None
        return Referral(
            rid,
            subject,
            ReferrerKind(row.referrer_kind),
            referrer,
            letter,
            reason,
            ReferralStatus(row.status),
            row.received_at,
            row.received_by,
            row.decided_by,
            row.decided_at,
            row.clinician,
        )

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[Referral]:
        binding: ReferralBinding = self.binding("referral")
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            [binding.referrer_field, binding.letter_field],
            ReferralRow,
            (ReferralRow.received_at, ReferralRow.referral_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

    def decide(
        self, subject: str, referral_id: str, *, accept: bool, clinician: str | None = None
    ) -> Referral:
        """Accept the referral for a clinician (who then cares for the patient), or decline."""
        binding: ReferralBinding = self.binding("referral")
        if accept and not clinician:
            raise InputError("accepting a referral names the clinician", field="clinician")
        clinician = clinician if accept else None  # a declined referral is nobody's
        fields = [binding.referrer_field, binding.letter_field]
        request = self.request(binding.purpose, subject, fields, Action.WRITE)
        with self.store.sessions.begin() as session:
            row = session.get(ReferralRow, (self.organisation, referral_id))
            if row is None or row.subject_id != subject:
                raise NotFound(f"no referral {referral_id} for this patient", field="id")
            if row.status != ReferralStatus.RECEIVED.value:
                raise InputError(f"this referral was already {row.status}", field="status")
            self.check_clinician(session, clinician)
            guard = self.guard(session)
            verdict = "accepted" if accept else "declined"
            assessment = guard.assess(request, f"referral {verdict}")
            if assessment.decision.allowed:
                now = self.now()
                row.status = (ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED).value
                row.decided_by, row.decided_at, row.clinician = self.actor.actor, now, clinician
                if accept and clinician is not None:
                    start_care(
                        session, self.organisation, subject, clinician, now, now + REFERRAL_CARE
                    )
                    Records(self.store, self.actor).written(
                        guard,
                        subject,
                        ADMINISTRATION,
                        "care:start",
                        f"clinician {clinician}, referral accepted",
                    )
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

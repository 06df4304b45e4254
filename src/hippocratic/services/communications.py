"""The communications log (S0-22): every call, email, letter, message and visit, with its
direction, channel, purpose and a summary; and call recordings (S0-47..S0-51).

A recording is stored only if the recording notice was given on the call (S0-48) and, where
the recording purpose rests on consent, the patient's consent is live: the guard decides the
recording under its own purpose, so without consent the whole entry is refused, nothing is
stored, and the refusal is on the ledger (S0-51). The call then goes on unrecorded (D-17), and
staff log it without a recording. Lists say only whether an entry has a recording; playing it
is its own guarded read, under the recording purpose.

Telling a patient anything is a first communication for Art. 14 (``art14_tasks``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.policy.record_binding import CommunicationBinding
from hippocratic.services import art14_tasks
from hippocratic.services.clinic_service import LONDON, ClinicService, refusal
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import CommunicationRow


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CommunicationChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    IN_PERSON = "in_person"
    PORTAL = "portal"


@dataclass(frozen=True)
class Recording:
    content: str
    """Where the audio is kept (its reference in the telephony system), or its transcript."""
    notice_given_at: datetime | None
    """When the caller heard the recording notice; None means it was not given."""


@dataclass(frozen=True)
class Communication:
    communication_id: str
    subject_id: str
    direction: Direction
    channel: CommunicationChannel
    purpose: str
    summary: FieldValue
    has_recording: bool
    recording_notice_at: datetime | None
    occurred_at: datetime
    recorded_by: str


class Communications(ClinicService):
    def log(
        self,
        subject: str,
        direction: Direction,
        channel: CommunicationChannel,
        summary: str,
        *,
        purpose: str | None = None,
        occurred_at: datetime | None = None,
        recording: Recording | None = None,
        request_id: str | None = None,
    ) -> Communication:
        binding: CommunicationBinding = self.binding("communication")
        body = text(summary, "summary", max_length=5000)
        if not body:
            raise InputError("say what was communicated", field="summary")
        when = occurred_at or self.now()
        if when.utcoffset() is None:
            raise InputError("a time needs its UTC offset", field="occurred_at")
        requests = [
            self.request(
                purpose or binding.purpose,
                subject,
                [binding.summary_field],
                Action.CREATE,
                request_id,
            )
        ]
        kept = None
        if recording is not None:
            kept = self._recording_request(binding, subject, channel, recording, request_id)
            requests.append(kept[0])
        communication_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            assessments = [self.assess(session, request) for request in requests]
            refused = next((a for a in assessments if not a.decision.allowed), None)
            if refused is None and assessments[0].facts.known:
                row = CommunicationRow(
                    organisation_id=self.organisation,
                    communication_id=communication_id,
                    subject_id=subject,
                    direction=direction.value,
                    channel=channel.value,
                    purpose=requests[0].purpose,
                    summary=self.seal(subject, binding.summary_field, communication_id, body),
                    recording=(
                        self.seal(subject, kept[1], communication_id, kept[2]) if kept else None
                    ),
                    recording_notice_at=recording.notice_given_at if recording else None,
                    occurred_at=when,
                    recorded_by=self.actor.actor,
                )
                session.add(row)
                if direction is Direction.OUTBOUND:
                    day = when.astimezone(LONDON).date()
                    art14_tasks.first_contact(session, self.organisation, subject, day)
        for assessment in assessments:
            self.enforce(assessment, subject)
        return self._shown(row, assessments[0].decision, self.key(subject))

    def _recording_request(
        self,
        binding: CommunicationBinding,
        subject: str,
        channel: CommunicationChannel,
        recording: Recording,
        request_id: str | None,
    ) -> tuple[AccessRequest, str, str]:
        if binding.recording_field is None or binding.recording_purpose is None:
            raise InputError(
                f"{self.policy.organisation.display_name} does not record calls: its privacy "
                "notice does not say it does",
                field="recording",
            )
        if channel is not CommunicationChannel.PHONE:
            raise InputError("only calls are recorded", field="recording")
        if recording.notice_given_at is None:
            raise InputError(
                "a call is recorded only after the caller was told it may be, and why (S0-48)",
                field="recording.notice_given_at",
                hint="play or read the recording notice first; without it, log the call "
                "without a recording",
            )
        content = text(recording.content, "recording", max_length=2000)
        if not content:
            raise InputError("a recording needs its reference or transcript", field="recording")
        request = self.request(
            binding.recording_purpose,
            subject,
            [binding.recording_field],
            Action.CREATE,
            request_id,
        )
        return request, binding.recording_field, content

    def _shown(
        self, row: CommunicationRow, decision: Decision, key: SubjectKey | None
    ) -> Communication:
        binding: CommunicationBinding = self.binding("communication")
        summary = self.reveal(
            decision, key, row.subject_id, binding.summary_field, row.communication_id, row.summary
        )
        assert summary is not None
        return Communication(
            row.communication_id,
            row.subject_id,
            Direction(row.direction),
            CommunicationChannel(row.channel),
            row.purpose,
            summary,
            row.recording is not None,
            row.recording_notice_at,
            row.occurred_at,
            row.recorded_by,
        )

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[Communication]:
        binding: CommunicationBinding = self.binding("communication")
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            [binding.summary_field],
            CommunicationRow,
            (CommunicationRow.occurred_at, CommunicationRow.communication_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

    def play(self, subject: str, communication_id: str) -> FieldValue:
        """A call's recording, decided as a read under the recording purpose: the quality
        reviewer may play it, marketing may not (S0-47)."""
        binding: CommunicationBinding = self.binding("communication")
        if binding.recording_field is None or binding.recording_purpose is None:
            raise NotFound("calls are not recorded here", field="recording")
        request = self.request(
            binding.recording_purpose, subject, [binding.recording_field], Action.READ
        )
        with self.store.sessions.begin() as session:
            row = session.get(CommunicationRow, (self.organisation, communication_id))
            if row is None or row.subject_id != subject or row.recording is None:
                raise NotFound(f"no recording {communication_id} for this patient", field="id")
            assessment = self.assess(session, request, f"play recording {communication_id}")
        if not assessment.decision.allowed:
            raise refusal(assessment.decision)
        shown = self.reveal(
            assessment.decision,
            self.key(subject),
            subject,
            binding.recording_field,
            communication_id,
            row.recording,
        )
        assert shown is not None
        return shown

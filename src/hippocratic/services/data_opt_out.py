"""The NHS national data opt-out (L-14), recorded per patient and honoured by research and
planning releases.

A patient who registered the opt-out (with the NHS, or by telling us) does not want their
confidential information used beyond their individual care. Staff record the fact as the guard
lets them write for the policy's rights purpose (reception and the DPO in the shipped
policies): the decision and what was recorded, opted out or not and from what source, are an
audit event in the patient's history; a refusal is audited and nothing is written. Every
release from the store for a purpose the policy marks ``national_data_opt_out`` leaves those
patients out (``store_release``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import Action
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.storage.data_opt_out import DataOptOutRow


@dataclass(frozen=True)
class DataOptOut:
    subject_id: str
    opted_out: bool
    source: str
    recorded_at: datetime
    recorded_by: str


class DataOptOuts(ClinicService):
    def record(self, subject: str, opted_out: bool, source: str) -> DataOptOut:
        """Record whether ``subject`` has opted out, and how we know (``source``)."""
        how = text(source, "source", max_length=200)
        if len(how) < 3:
            raise InputError(
                "say how the opt-out is known",
                field="source",
                hint="e.g. 'told reception by phone' or 'NHS spine check 2026-12-01'",
            )
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound("this organisation's policy names no rights purpose", field="purpose")
        request = self.request(purpose, subject, (), Action.WRITE)
        state = "opted out" if opted_out else "not opted out"
        now = self.now()
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            assessment = guard.judge(request)
            allowed = assessment.decision.allowed and assessment.facts.known
            why = f"national data opt-out: {state} ({how})"
            guard.record(
                request, assessment.decision, why if allowed else assessment.decision.reason
            )
            if allowed:
                session.merge(
                    DataOptOutRow(
                        organisation_id=self.organisation,
                        subject_id=subject,
                        opted_out=opted_out,
                        recorded_at=now,
                        recorded_by=self.actor.actor,
                        source=how,
                    )
                )
        if not assessment.decision.allowed:
            raise refusal(assessment.decision)
        if not assessment.facts.known:
            raise NotFound(f"no patient {subject} here", field="subject")
        return DataOptOut(subject, opted_out, how, now, self.actor.actor)

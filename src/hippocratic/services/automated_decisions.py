"""Automated decisions (UK GDPR Arts. 22A-22D, as the Data (Use and Access) Act 2025 puts them)
and the human review a patient may ask for.

A decision is recorded only for a purpose the policy marks ``automated_decision`` (Harmonic's
product scoring, on consent): its inputs, the logic and its version, and the outcome, each a
guarded write of the fields it used and an audit event; the inputs and outcome are sealed under
the patient's key. A patient who asks for a person to look again (an
``automated_decision_review`` request) states their view; a named member of staff who works
under the decision's purpose (or the DPO) reviews it and records what they decided and why,
which answers the request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.guard.decision import Action
from hippocratic.policy.settings import RightName
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.field_value import FieldValue
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import RequestStatus, RightsRequest
from hippocratic.storage.rights_request import AutomatedDecisionRow, RightsRequestRow

INPUTS = "adm_inputs"
OUTCOME = "adm_outcome"
VIEW = "adm_patient_view"
REVIEW = "adm_review"


@dataclass(frozen=True)
class AutomatedDecision:
    decision_id: str
    subject_id: str
    purpose: str
    purpose_title: str
    logic: str
    inputs: FieldValue | None
    """The inputs as JSON (field: value), as the reader may see them."""
    outcome: FieldValue | None
    decided_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    patient_view: FieldValue | None
    review_outcome: FieldValue | None


class AutomatedDecisions(ClinicService):
    def record(
        self, subject: str, purpose: str, inputs: Mapping[str, str], outcome: str, logic: str
    ) -> AutomatedDecision:
        """Record one automated decision about ``subject`` (the scoring job's own write)."""
        found = self.policy.purpose_by_key.get(purpose)
        if found is None or not found.automated_decision:
            raise InputError(
                f"“{purpose}” is not a purpose the notice says decides by automated means",
                field="purpose",
            )
        if not inputs:
            raise InputError("an automated decision records its inputs", field="inputs")
        result, version = text(outcome, "outcome"), text(logic, "logic", max_length=120)
        if not result or not version:
            raise InputError("record the outcome and the logic's version", field="outcome")
        decision_id = str(uuid.uuid4())
        write = self.request(purpose, subject, list(inputs), Action.WRITE)
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, write, f"automated decision ({version})")
            if assessment.decision.allowed and assessment.facts.known:
                sealed = json.dumps(dict(inputs), sort_keys=True)
                session.add(
                    AutomatedDecisionRow(
                        organisation_id=self.organisation,
                        decision_id=decision_id,
                        subject_id=subject,
                        purpose=purpose,
                        logic=version,
                        inputs=self.seal(subject, INPUTS, decision_id, sealed),
                        outcome=self.seal(subject, OUTCOME, decision_id, result),
                        decided_at=self.now(),
                        decided_by=self.actor.actor,
                    )
                )
        self.enforce(assessment, subject)
        return self.for_patient(subject, purpose)[0]

    def for_patient(self, subject: str, purpose: str) -> list[AutomatedDecision]:
        """The patient's automated decisions, newest first, read under ``purpose``."""
        read = self.request(purpose, subject, (), Action.READ)
        rows: list[AutomatedDecisionRow] = []
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, read, "automated decisions")
            if assessment.decision.allowed and assessment.facts.known:
                rows = list(
                    session.scalars(
                        select(AutomatedDecisionRow)
                        .where(
                            AutomatedDecisionRow.organisation_id == self.organisation,
                            AutomatedDecisionRow.subject_id == subject,
                        )
                        .order_by(AutomatedDecisionRow.decided_at.desc())
                    )
                )
        self.enforce(assessment, subject)
        key = self.key(subject)

        def opened(
            binding: str, row: AutomatedDecisionRow, blob: bytes | None
        ) -> FieldValue | None:
            return self.reveal(assessment.decision, key, subject, binding, row.decision_id, blob)

        return [
            AutomatedDecision(
                row.decision_id,
                subject,
                row.purpose,
                self.compiled.title("purpose", row.purpose),
                row.logic,
                opened(INPUTS, row, row.inputs),
                opened(OUTCOME, row, row.outcome),
                row.decided_at,
                row.reviewed_at,
                row.reviewed_by,
                opened(VIEW, row, row.patient_view),
                opened(REVIEW, row, row.review_outcome),
            )
            for row in rows
        ]


class HumanReview(RightsDecisions):
    def review(
        self, request_id: str, decision_id: str, patient_view: str, outcome: str
    ) -> RightsRequest:
        """A named person reviews an automated decision at the patient's request."""
        view, result = text(patient_view, "patient_view"), text(outcome, "outcome")
        if len(result) < 20:
            raise InputError("record what you decided and why, in full", field="outcome")
        with self.store.sessions() as session:
            row = self.row(session, request_id)
            if row.right != RightName.AUTOMATED_DECISION_REVIEW.value:
                raise Conflict(f"a {row.right} request is not for a human review")
            found = session.get(AutomatedDecisionRow, (self.organisation, decision_id))
            if found is None or found.subject_id != row.subject_id:
                raise NotFound(f"no automated decision {decision_id} of this patient")
            decided_under = found.purpose
        role = self.policy.role_by_key.get(self.actor.role)
        if role is None or not (decided_under in role.purposes or role.dpo):
            raise AccessDenied("the reviewer works under the decision's purpose, or is the DPO")
        capacity = self.purpose if self.outside_role(self.purpose) is None else decided_under

        def close(session: Session, row: RightsRequestRow) -> str:
            found = session.get(AutomatedDecisionRow, (self.organisation, decision_id))
            assert found is not None
            if found.reviewed_at is not None:
                raise Conflict("this decision was already reviewed by a person")
            found.review_request_id = request_id
            found.reviewed_at = self.now()
            found.reviewed_by = self.actor.actor
            if view:
                found.patient_view = self.seal(row.subject_id, VIEW, decision_id, view)
            found.review_outcome = self.seal(row.subject_id, REVIEW, decision_id, result)
            title = self.compiled.title("role", self.actor.role)
            self._close(row, RequestStatus.COMPLETED, f"A person ({title}) reviewed it: {result}")
            return f"automated decision {decision_id} reviewed by {self.actor.actor} ({title})"

        return self._change(request_id, "review", close, capacity)

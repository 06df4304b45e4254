"""Rectification (Art. 16): a wrong or missing detail corrected or completed, with its history
kept; a disputed clinical entry never overwritten, but given the patient's supplementary
statement, which travels with it wherever the record goes (the access package included).

Each correction is a guarded write under the rights purpose and an audit event; the value it
replaced and the one it became are kept on the request, sealed under the patient's key, so a
later access request shows what was corrected and when. Values are checked as at any capture
(a date of birth is a date, a phone number is one). Every recipient the disclosure log shows
received the corrected field gets an Art. 19 notice queued, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import Conflict, InputError
from hippocratic.guard.decision import Action
from hippocratic.policy.settings import RightName
from hippocratic.services.field_input import clean_values
from hippocratic.services.field_value import FieldValue
from hippocratic.services.records import Records
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import RightsRequest
from hippocratic.storage.clinic import ClinicalEntryRow
from hippocratic.storage.disclosure import queue_notices
from hippocratic.storage.rights_request import RightsCorrectionRow, RightsRequestRow

BEFORE = "rights_before"
AFTER = "rights_after"


@dataclass(frozen=True)
class Correction:
    request_id: str
    kind: str
    target: str
    title: str
    before: FieldValue | None
    after: FieldValue | None
    at: datetime
    by: str


class Rectification(RightsDecisions):
    def correct(self, request_id: str, field: str, value: str) -> RightsRequest:
        """Correct (or complete) one of the patient's own details; the old value is kept."""
        request = self._rectification(request_id)
        entries = self.policy.records.clinical_entry
        if entries is not None and field in entries.fields:
            raise InputError(
                "a clinical entry is not overwritten: add the patient's supplementary statement",
                field="field",
            )
        cleaned = clean_values(self.policy, {field: value}, self.today())
        records = Records(self.store, self.actor)
        before = records.read(request.subject_id, self.purpose, [field]).get(field)
        records.update(request.subject_id, self.purpose, cleaned)
        title = self.compiled.title("field", field)

        def log(session: Session, row: RightsRequestRow) -> str:
            old = before.value if before is not None and before.value else None
            self._history(session, row, "correction", field, old, cleaned[field])
            told = queue_notices(
                session,
                self.organisation,
                row.subject_id,
                "rectification",
                [field],
                f"rights_request:{request_id}",
                self.now(),
            )
            notices = f"; {len(told)} recipient(s) to be told (Art. 19)" if told else ""
            return (
                f"{title} {'corrected' if old else 'completed'} (the earlier value is kept)"
                + notices
            )

        return self._change(request_id, "correct", log)

    def statement(self, request_id: str, entry_id: str, statement: str) -> RightsRequest:
        """Attach the patient's supplementary statement to a clinical entry they dispute."""
        request = self._rectification(request_id)
        said = text(statement, "statement")
        if not said:
            raise InputError("write the patient's statement", field="statement")

        def log(session: Session, row: RightsRequestRow) -> str:
            entry = session.get(ClinicalEntryRow, (self.organisation, entry_id))
            if entry is None or entry.subject_id != request.subject_id:
                raise InputError(f"no clinical entry {entry_id} of this patient", field="entry")
            self._history(session, row, "statement", f"clinical_entry:{entry_id}", None, said)
            return "supplementary statement added to a disputed clinical entry (kept unchanged)"

        return self._change(request_id, "statement", log)

    def corrections(self, subject: str) -> list[Correction]:
        """Every correction and statement for this patient, oldest first: one audited read."""
        read = self.request(self.purpose, subject, (), Action.READ)
        rows: list[RightsCorrectionRow] = []
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, read, "corrections and statements")
            if assessment.decision.allowed and assessment.facts.known:
                rows = list(
                    session.scalars(
                        select(RightsCorrectionRow)
                        .where(
                            RightsCorrectionRow.organisation_id == self.organisation,
                            RightsCorrectionRow.subject_id == subject,
                        )
                        .order_by(RightsCorrectionRow.at, RightsCorrectionRow.number)
                    )
                )
        self.enforce(assessment, subject)
        key = self.key(subject)
        decision = assessment.decision
        return [
            Correction(
                row.request_id,
                row.kind,
                row.target,
                self.compiled.title("field", row.target)
                if row.kind == "correction"
                else "Clinical entry",
                self.reveal(decision, key, subject, BEFORE, self._ref(row), row.before),
                self.reveal(decision, key, subject, AFTER, self._ref(row), row.after),
                row.at,
                row.by,
            )
            for row in rows
        ]

    def _history(
        self,
        session: Session,
        row: RightsRequestRow,
        kind: str,
        target: str,
        before: str | None,
        after: str,
    ) -> None:
        count = select(func.count()).where(
            RightsCorrectionRow.organisation_id == self.organisation,
            RightsCorrectionRow.request_id == row.request_id,
        )
        number = (session.scalar(count) or 0) + 1
        ref = f"{row.request_id}/{number}"
        session.add(
            RightsCorrectionRow(
                organisation_id=self.organisation,
                request_id=row.request_id,
                number=number,
                subject_id=row.subject_id,
                kind=kind,
                target=target,
                before=self.seal(row.subject_id, BEFORE, ref, before) if before else None,
                after=self.seal(row.subject_id, AFTER, ref, after),
                at=self.now(),
                by=self.actor.actor,
            )
        )

    @staticmethod
    def _ref(row: RightsCorrectionRow) -> str:
        return f"{row.request_id}/{row.number}"

    def _rectification(self, request_id: str) -> RightsRequest:
        request = self.get(request_id)
        if request.right is not RightName.RECTIFICATION:
            raise Conflict(f"a {request.right.value} request is not a rectification")
        if not request.is_open:
            raise Conflict(f"this request is {request.status.value}")
        return request

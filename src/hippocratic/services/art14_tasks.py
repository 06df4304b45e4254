"""Telling patients about data we obtained from someone else (UK GDPR Art. 14, S0-18).

Every record taken in from a referrer or another third party opens a task, due by the
earliest of one month after we obtained the data and the first communication with the
patient (``domain.art14_deadline``). The task closes when the patient is told, or when a
recorded Art. 14(5) exemption applies. Overdue tasks head the DPO's list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.art14_deadline import art14_deadline
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.services import oversight
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.page import Cursor, Page, limit_of
from hippocratic.storage.clinic_repository import after
from hippocratic.storage.collection import Art14TaskRow


@dataclass(frozen=True)
class Art14Task:
    task_id: str
    subject_id: str
    source_kind: str
    source_id: str
    source: str
    obtained_on: date
    due_on: date
    due_reason: str
    done_at: datetime | None
    done_by: str | None
    outcome: str | None
    overdue: bool


def open_task(
    session: Session,
    organisation: str,
    subject: str,
    source_kind: str,
    source_id: str,
    source: str,
    obtained_on: date,
) -> Art14TaskRow:
    """Open the task in the caller's transaction (with the record that brought the data in)."""
    deadline = art14_deadline(obtained_on)
    row = Art14TaskRow(
        organisation_id=organisation,
        task_id=str(uuid.uuid4()),
        subject_id=subject,
        source_kind=source_kind,
        source_id=source_id,
        source=source,
        obtained_on=obtained_on,
        due_on=deadline.due,
        due_reason=deadline.reason,
    )
    session.add(row)
    return row


def first_contact(session: Session, organisation: str, subject: str, on: date) -> None:
    """We are in touch with the patient: every open task is due no later than today
    (Art. 14(3)(b)), so the notice goes with this communication."""
    rows = session.scalars(
        select(Art14TaskRow).where(
            Art14TaskRow.organisation_id == organisation,
            Art14TaskRow.subject_id == subject,
            Art14TaskRow.done_at.is_(None),
        )
    )
    for row in rows:
        deadline = art14_deadline(row.obtained_on, first_contact=max(on, row.obtained_on))
        if deadline.due < row.due_on:
            row.due_on, row.due_reason = deadline.due, deadline.reason


class Art14Tasks(ClinicService):
    def _shown(self, row: Art14TaskRow) -> Art14Task:
        return Art14Task(
            row.task_id,
            row.subject_id,
            row.source_kind,
            row.source_id,
            row.source,
            row.obtained_on,
            row.due_on,
            row.due_reason,
            row.done_at,
            row.done_by,
            row.outcome,
            row.done_at is None and row.due_on < self.today(),
        )

    def queue(
        self, *, overdue_only: bool = False, cursor: str | None = None, limit: int | None = None
    ) -> Page[Art14Task]:
        """Open tasks, earliest due first: the DPO's list (audited; DPO roles only)."""
        size = limit_of(limit)
        position = Cursor.decode(cursor)
        rows: list[Art14TaskRow] = []
        with self.store.sessions.begin() as session:
            decision = oversight.check(self, session, "the Art. 14 notices due")
            if decision.allowed:
                query = select(Art14TaskRow).where(
                    Art14TaskRow.organisation_id == self.organisation,
                    Art14TaskRow.done_at.is_(None),
                )
                if overdue_only:
                    query = query.where(Art14TaskRow.due_on < self.today())
                moment = (position.at, position.id) if position else None
                query = after(query, Art14TaskRow.due_on, Art14TaskRow.task_id, moment)
                rows = list(session.scalars(query.limit(size + 1)))
        if not decision.allowed:
            raise refusal(decision)
        items = [self._shown(row) for row in rows[:size]]
        last = rows[size - 1] if len(rows) > size else None
        return Page(items, Cursor(last.due_on, last.task_id).encode() if last else None)

    def _decide(self, session: Session, subject: str, note: str, action: Action) -> Decision:
        """The DPO on oversight; anyone else as an access to the patient's record."""
        if oversight.is_dpo(self):
            return oversight.check(self, session, note, subject)
        patient = self.policy.records.patient
        request = self.request(patient.purpose if patient else "", subject, (), action)
        return self.assess(session, request, note).decision

    def for_patient(self, subject: str) -> list[Art14Task]:
        """The patient's Art. 14 notices, open and done: for the DPO, and for staff who may
        reach the patient's record (to give the notice at first contact). Audited."""
        with self.store.sessions.begin() as session:
            decision = self._decide(session, subject, "the Art. 14 notices due", Action.READ)
            rows: list[Art14TaskRow] = []
            if decision.allowed:
                rows = list(
                    session.scalars(
                        select(Art14TaskRow)
                        .where(
                            Art14TaskRow.organisation_id == self.organisation,
                            Art14TaskRow.subject_id == subject,
                        )
                        .order_by(Art14TaskRow.obtained_on)
                    )
                )
        if not decision.allowed:
            raise refusal(decision)
        return [self._shown(row) for row in rows]

    def close(self, task_id: str, outcome: str, *, exempt: bool = False) -> Art14Task:
        """The patient was told (``outcome`` says how), or an Art. 14(5) exemption applies
        (``exempt``; ``outcome`` names it and why). Audited on the patient's record."""
        text = outcome.strip()
        if not text:
            raise InputError(
                "say how the patient was told, or which exemption applies and why",
                field="outcome",
            )
        with self.store.sessions.begin() as session:
            row = session.get(Art14TaskRow, (self.organisation, task_id))
            if row is None:
                raise NotFound(f"no Art. 14 task {task_id}", field="task")
            if row.done_at is not None:
                raise InputError("this task is already closed", field="task")
            note = f"Art. 14 {'exemption' if exempt else 'notice given'}: {text}"
            decision = self._decide(session, row.subject_id, note, Action.WRITE)
            if decision.allowed:
                row.done_at, row.done_by = self.now(), self.actor.actor
                row.outcome = f"exempt: {text}" if exempt else text
        if not decision.allowed:
            raise refusal(decision)
        return self._shown(row)

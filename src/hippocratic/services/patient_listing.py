"""Lists across patients (the day's worklist, the open cases): one query scoped by the guard
inside the database (invariant 7) and the names on the page in one more, then one ledger
append (by group commit) with an event for every patient shown, so each patient's access
history shows that they were on this actor's list. A list that shows nobody still leaves its
one event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from hippocratic.guard.decision import Action, Decision
from hippocratic.guard.scope import scope
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.field_value import FieldValue
from hippocratic.services.records import Records
from hippocratic.storage.ledger import AuditEvent
from hippocratic.storage.repository import PatientRepository, StoredValue

R = TypeVar("R")
PATIENT_FIELDS = ("full_name", "date_of_birth")
"""What a list shows of each patient, where the policy has them: enough to greet the right
person, nothing more."""


@dataclass(frozen=True)
class Listed(Generic[R]):
    decision: Decision
    rows: list[R]
    """Up to one row more than asked for: the caller pages on it."""
    names: dict[str, list[StoredValue]]


class PatientListing(ClinicService):
    def patient_fields(self) -> list[str]:
        return [field for field in PATIENT_FIELDS if field in self.policy.field_by_key]

    def listed(
        self,
        purpose: str,
        record_fields: Sequence[str],
        fetch: Callable[[Session, ColumnElement[bool]], list[R]],
        subject_of: Callable[[R], str],
        size: int,
        note: str,
        request_id: str | None = None,
    ) -> Listed[R]:
        """Decide the list's fields once, fetch with the guard's scope, audit each patient
        shown; raises the refusal (after committing its event) if the list is not allowed."""
        names_fields = self.patient_fields()
        fields = [*names_fields, *record_fields]
        listing = self.request(purpose, None, fields, Action.READ, request_id)

        def work(session: Session) -> tuple[list[AuditEvent], Listed[R]]:
            guard = self.guard(session)
            decision = guard.decide_scoped(listing)
            rows: list[R] = []
            names: dict[str, list[StoredValue]] = {}
            if decision.allowed:
                visible = scope(
                    self.policy,
                    self.actor.actor,
                    self.actor.role,
                    purpose,
                    self.now(),
                    self.store.consents,
                )
                rows = fetch(session, visible)
                shown = list(dict.fromkeys(subject_of(row) for row in rows[:size]))
                names = PatientRepository(session, self.organisation).values_of_many(
                    shown, names_fields
                )
                decision = replace(decision, rule_ids=(*decision.rule_ids, "scope:list"))
            each = [self.request(purpose, s, fields, Action.READ, request_id) for s in names]
            events = guard.events(each or [listing], decision, note)
            return events, Listed(decision, rows, names)

        listed = self.store.group_commit.read(self.organisation, work, self._notary)
        decision = listed.decision
        if not decision.allowed:
            raise refusal(decision)
        return listed

    def names_of(self, listed: Listed[R], subject: str) -> dict[str, FieldValue]:
        records = Records(self.store, self.actor)
        return records.reveal_rows(listed.decision, subject, listed.names.get(subject, []))

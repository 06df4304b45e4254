"""Patient records, every operation through the guard: decide, then touch data, then commit the
audit event with it. A denied request still commits its audit event, and nothing else; the
refusal is raised only after that commit.

Values of identity and special-category fields are encrypted under the patient's own key;
identifier fields (NHS number, email, phone) get a blind index for exact-match search.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from hippocratic.errors import InputError, NotFound
from hippocratic.guard import break_glass as glass
from hippocratic.guard.care_relationship import end_care, start_care
from hippocratic.guard.decision import Action, Decision
from hippocratic.guard.guard import Guard
from hippocratic.guard.scope import scope
from hippocratic.services.actor import Actor
from hippocratic.services.capture import Presentation
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.field_value import ERASED, FieldState, FieldValue, shown
from hippocratic.storage.disclosure import queue_notices
from hippocratic.storage.repository import PatientRepository, StoredValue
from hippocratic.storage.retention import DATE_OF_BIRTH, keep_child_birth_date

__all__ = ["ADMINISTRATION", "Actor", "FieldState", "FieldValue", "Records"]

ADMINISTRATION = "administration"
"""The purpose recorded on audit events for changes to the guard's facts (care, restriction)."""


class Records(ClinicService):
    """A patient's own fields (name, contact details, identifiers, ...), one value each."""

    def register(
        self,
        purpose: str,
        values: Mapping[str, str],
        request_id: str | None = None,
        presentation: Presentation | None = None,
    ) -> str:
        """Create a patient with these field values; returns the new subject id. The notice
        ``presentation`` that let the data in, if given, is written in the same transaction
        and named on the audit event."""
        indexes = self.indexes(values)
        subject = str(uuid.uuid4())
        request = self.request(purpose, subject, list(values), Action.CREATE, request_id)
        note = presentation.audit_note if presentation else None
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            decision = guard.check(request, note)
            if decision.allowed:
                self.create_subject(session, guard, subject, values, indexes, presentation)
        if not decision.allowed:
            raise refusal(decision)
        return subject

    def create_subject(
        self,
        session: Session,
        guard: Guard,
        subject: str,
        values: Mapping[str, str],
        indexes: Mapping[str, bytes],
        presentation: Presentation | None,
    ) -> None:
        """Write a new patient whose creation ``guard`` allowed, in the caller's transaction."""
        now = self.now()
        repository = PatientRepository(session, self.organisation)
        repository.add_subject(subject, now)
        self._write(repository, guard, subject, values, indexes)
        if presentation is not None:
            session.add(presentation.row(self.organisation, self.actor.actor, subject, now))

    def update(
        self, subject: str, purpose: str, values: Mapping[str, str], request_id: str | None = None
    ) -> None:
        indexes = self.indexes(values)
        request = self.request(purpose, subject, list(values), Action.WRITE, request_id)
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            assessment = guard.assess(request)
            if assessment.decision.allowed and assessment.facts.known:
                repository = PatientRepository(session, self.organisation)
                self._write(repository, guard, subject, values, indexes)
        self.enforce(assessment, subject)

    def indexes(self, values: Mapping[str, str]) -> dict[str, bytes]:
        """Check the values and compute the blind indexes of identifiers, before any decision
        or write, so bad input (say, a phone number that is not one) changes nothing."""
        for field, value in values.items():
            if not isinstance(value, str):
                raise InputError(f"{field} must be text", field=field)
        identifiers = self.compiled.identifier_fields
        return {
            field: self.vault.blind_index(field, value)
            for field, value in values.items()
            if field in identifiers
        }

    def _write(
        self,
        repository: PatientRepository,
        guard: Guard,
        subject: str,
        values: Mapping[str, str],
        indexes: Mapping[str, bytes],
    ) -> None:
        encrypted = guard.compiled.encrypted_fields
        stored = [
            StoredValue(
                field,
                self.vault.encrypt_field(subject, field, value) if field in encrypted else None,
                None if field in encrypted else value,
                indexes.get(field),
            )
            for field, value in values.items()
        ]
        repository.put(subject, stored, self.now())
        self._keep_child_birth_date(repository, subject, values)

    def _keep_child_birth_date(
        self, repository: PatientRepository, subject: str, values: Mapping[str, str]
    ) -> None:
        """A child's date of birth is a retention trigger (the 25th or 26th birthday)."""
        fields = self.policy.field_by_key
        for key, value in values.items():
            found = fields.get(key)
            if found is None or found.data_category != DATE_OF_BIRTH:
                continue
            try:
                born: date | None = date.fromisoformat(value)
            except ValueError:
                born = None
            keep_child_birth_date(
                repository.session, self.organisation, subject, born, self.now(), self.actor.actor
            )

    def read(
        self,
        subject: str,
        purpose: str,
        fields: Sequence[str],
        request_id: str | None = None,
        reason: str | None = None,
    ) -> dict[str, FieldValue]:
        """Decide, read, decrypt and mask; the audit event commits before the values return.
        ``reason`` is written on the audit event (e.g. the identity check of a caller)."""
        request = self.request(purpose, subject, fields, Action.READ, request_id)
        empty: list[StoredValue] = []
        assessment, rows = self.audited_read(
            request,
            lambda session: PatientRepository(session, self.organisation).values(subject, fields),
            empty,
            reason,
        )
        self.enforce(assessment, subject)
        return self.reveal_rows(assessment.decision, subject, rows)

    def reveal_rows(
        self, decision: Decision, subject: str, rows: list[StoredValue]
    ) -> dict[str, FieldValue]:
        values: dict[str, FieldValue] = {}
        key = self.key(subject) if any(row.ciphertext is not None for row in rows) else None
        for row in rows:
            plain = row.value or ""
            if row.ciphertext is not None:
                if key is None:
                    values[row.field] = ERASED
                    continue
                plain = self.vault.decrypt_with(key, subject, row.field, row.ciphertext)
            values[row.field] = shown(self.compiled, decision, self.actor.role, row.field, plain)
        return values

    def find(
        self, purpose: str, field: str, value: str, request_id: str | None = None
    ) -> list[str]:
        """Patients whose ``field`` equals ``value``, by blind index, scoped by the guard."""
        return self.search(purpose, {field: value}, request_id)

    def search(
        self, purpose: str, criteria: Mapping[str, str], request_id: str | None = None
    ) -> list[str]:
        """Patients whose identifiers equal all of ``criteria`` (say, a name and a date of
        birth), by blind index, among those the guard's scope lets this actor see. A field the
        actor sees only masked cannot be searched on (invariant 7)."""
        if not criteria:
            raise InputError("search needs at least one identifier", field="criteria")
        for field in criteria:
            if field not in self.compiled.identifier_fields:
                raise InputError(
                    f"{field} is not a searchable identifier",
                    field=field,
                    hint=f"search on: {', '.join(sorted(self.compiled.identifier_fields))}",
                )
        indexes = {field: self.vault.blind_index(field, value) for field, value in criteria.items()}
        request = self.request(purpose, None, list(criteria), Action.SEARCH, request_id)
        found: list[str] = []
        with self.store.sessions.begin() as session:
            decision = self.guard(session).check(request)
            if decision.allowed:
                visible = scope(
                    self.policy,
                    self.actor.actor,
                    self.actor.role,
                    purpose,
                    self.now(),
                    self.store.consents,
                )
                found = PatientRepository(session, self.organisation).find(indexes, visible)
        if not decision.allowed:
            raise refusal(decision)
        return found

    def written(
        self, guard: Guard, subject: str | None, purpose: str, rule: str, detail: str | None
    ) -> None:
        """Audit a change to the facts the guard relies on (consent, care, restriction)."""
        request = self.request(purpose, subject, (), Action.WRITE, None)
        guard.record(request, Decision(True, (rule,)), detail)

    def start_care(self, subject: str, clinician: str, until: datetime | None = None) -> None:
        with self.store.sessions.begin() as session:
            start_care(session, self.organisation, subject, clinician, self.now(), until)
            self.written(
                self.guard(session), subject, ADMINISTRATION, "care:start", f"clinician {clinician}"
            )

    def end_care(self, subject: str, clinician: str) -> None:
        with self.store.sessions.begin() as session:
            end_care(session, self.organisation, subject, clinician, self.now())
            self.written(
                self.guard(session), subject, ADMINISTRATION, "care:end", f"clinician {clinician}"
            )

    def set_restricted(self, subject: str, restricted: bool) -> None:
        """Restrict processing (Art. 18) or lift the restriction (audited)."""
        with self.store.sessions.begin() as session:
            repository = PatientRepository(session, self.organisation)
            if not repository.set_restricted(subject, restricted):
                raise NotFound(f"no patient {subject} in {self.organisation}")
            rule = "restriction:art18/" + ("on" if restricted else "off")
            self.written(self.guard(session), subject, ADMINISTRATION, rule, None)
            if restricted:  # Art. 19: every recipient of their data is told
                queue_notices(
                    session, self.organisation, subject, "restriction", None, None, self.now()
                )

    def break_glass(
        self, subject: str, reason: str, duration: timedelta = glass.DEFAULT_DURATION
    ) -> str:
        """Open a reviewed, time-boxed emergency grant; returns its id."""
        with self.store.sessions.begin() as session:
            outcome = self.guard(session).break_glass(
                self.actor.actor,
                self.actor.role,
                subject,
                reason,
                duration,
                self.actor.request_id,
            )
        if outcome.grant is None:
            raise refusal(outcome.decision)
        return outcome.grant.grant_id

    def erase(self, subject: str, purpose: str) -> None:
        """Crypto-shred the patient: every copy of their encrypted data becomes unreadable."""
        request = self.request(purpose, subject, (), Action.WRITE, None)
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, "erasure (crypto-shredding)")
        self.enforce(assessment, subject)
        self.vault.shred_subject(subject)

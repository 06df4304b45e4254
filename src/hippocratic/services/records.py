"""Patient records, every operation through the guard: decide, then touch data, then commit the
audit event with it. A denied request still commits its audit event, and nothing else; the
refusal is raised only after that commit.

Values of identity and special-category fields are encrypted under the patient's own key;
identifier fields (NHS number, email, phone) get a blind index for exact-match search.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.errors import AccessDenied, Erased, InputError, NotFound
from hippocratic.guard import break_glass as glass
from hippocratic.guard.care_relationship import end_care, start_care
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.guard.guard import Guard
from hippocratic.guard.scope import scope
from hippocratic.services.store import Store
from hippocratic.storage.repository import PatientRepository, StoredValue

ADMINISTRATION = "administration"
"""The purpose recorded on audit events for changes to the guard's facts (care, restriction)."""


@dataclass(frozen=True)
class Actor:
    organisation: str
    actor: str
    role: str


class FieldState(StrEnum):
    VALUE = "value"
    MASKED = "masked"
    ERASED = "erased"
    """The patient's key was destroyed: the value can never be read again."""


@dataclass(frozen=True)
class FieldValue:
    state: FieldState
    value: str | None


def _refuse(decision: Decision) -> AccessDenied:
    return AccessDenied(decision.reason or "denied", details=list(decision.rule_ids))


class Records:
    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self._vault = store.vault.for_organisation(actor.organisation)
        self._signer = store.vault.signing_key(actor.organisation)

    def _guard(self, session: Session) -> Guard:
        policy = self.store.policy(session, self.actor.organisation)
        return Guard(session, policy, self.store.clock.now, self._signer, self.store.consents)

    def _request(
        self,
        purpose: str,
        subject: str | None,
        fields: Sequence[str],
        action: Action,
        request_id: str | None,
    ) -> AccessRequest:
        org, actor, role = self.actor.organisation, self.actor.actor, self.actor.role
        return AccessRequest(org, actor, role, purpose, subject, tuple(fields), action, request_id)

    def register(
        self, purpose: str, values: Mapping[str, str], request_id: str | None = None
    ) -> str:
        """Create a patient with these field values; returns the new subject id."""
        indexes = self._indexes(values)
        subject = str(uuid.uuid4())
        request = self._request(purpose, subject, list(values), Action.CREATE, request_id)
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            decision = guard.check(request)
            if decision.allowed:
                repository = PatientRepository(session, self.actor.organisation)
                repository.add_subject(subject, self.store.clock.now())
                self._write(repository, guard, subject, values, indexes)
        if not decision.allowed:
            raise _refuse(decision)
        return subject

    def update(
        self, subject: str, purpose: str, values: Mapping[str, str], request_id: str | None = None
    ) -> None:
        indexes = self._indexes(values)
        request = self._request(purpose, subject, list(values), Action.WRITE, request_id)
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            assessment = guard.assess(request)
            decision = assessment.decision
            if decision.allowed and assessment.facts.known:
                repository = PatientRepository(session, self.actor.organisation)
                self._write(repository, guard, subject, values, indexes)
        if not decision.allowed:
            raise _refuse(decision)
        if not assessment.facts.known:
            raise NotFound(f"no patient {subject} in {self.actor.organisation}")

    def _indexes(self, values: Mapping[str, str]) -> dict[str, bytes]:
        """Check the values and compute the blind indexes of identifiers, before any decision
        or write, so bad input (say, a phone number that is not one) changes nothing."""
        for field, value in values.items():
            if not isinstance(value, str):
                raise InputError(f"{field} must be text", field=field)
        org = self.actor.organisation
        identifiers = compile_policy(self.store.policy_of(org)).identifier_fields
        return {
            field: self._vault.blind_index(field, value)
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
                self._vault.encrypt_field(subject, field, value) if field in encrypted else None,
                None if field in encrypted else value,
                indexes.get(field),
            )
            for field, value in values.items()
        ]
        repository.put(subject, stored, self.store.clock.now())

    def read(
        self, subject: str, purpose: str, fields: Sequence[str], request_id: str | None = None
    ) -> dict[str, FieldValue]:
        """Decide, read, decrypt and mask; the audit event commits before the values return."""
        request = self._request(purpose, subject, fields, Action.READ, request_id)
        rows: list[StoredValue] = []
        with self.store.sessions.begin() as session:
            assessment = self._guard(session).assess(request)
            decision = assessment.decision
            if decision.allowed and assessment.facts.known:
                rows = PatientRepository(session, self.actor.organisation).values(subject, fields)
        if not decision.allowed:
            raise _refuse(decision)
        if not assessment.facts.known:
            raise NotFound(f"no patient {subject} in {self.actor.organisation}")
        return self._reveal(decision, subject, rows)

    def _reveal(
        self, decision: Decision, subject: str, rows: list[StoredValue]
    ) -> dict[str, FieldValue]:
        values: dict[str, FieldValue] = {}
        for row in rows:
            plain = row.value or ""
            if row.ciphertext is not None:
                try:
                    plain = self._vault.decrypt_field(subject, row.field, row.ciphertext)
                except Erased:
                    values[row.field] = FieldValue(FieldState.ERASED, None)
                    continue
            mask = decision.masked.get(row.field)
            values[row.field] = (
                FieldValue(FieldState.MASKED, mask.apply(plain))
                if mask
                else FieldValue(FieldState.VALUE, plain)
            )
        return values

    def find(
        self, purpose: str, field: str, value: str, request_id: str | None = None
    ) -> list[str]:
        """Patients whose ``field`` equals ``value``, by blind index, scoped by the guard."""
        org = self.actor.organisation
        request = self._request(purpose, None, [field], Action.SEARCH, request_id)
        found: list[str] = []
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            if field not in guard.compiled.identifier_fields:
                raise InputError(f"{field} is not a searchable identifier", field="field")
            decision = guard.check(request)
            if decision.allowed:
                visible = scope(
                    guard.policy,
                    self.actor.actor,
                    self.actor.role,
                    purpose,
                    self.store.clock.now(),
                    self.store.consents,
                )
                index = self._vault.blind_index(field, value)
                found = PatientRepository(session, org).find(field, index, visible)
        if not decision.allowed:
            raise _refuse(decision)
        return found

    def _written(
        self, guard: Guard, subject: str, purpose: str, rule: str, detail: str | None
    ) -> None:
        """Audit a change to the facts the guard relies on (consent, care, restriction)."""
        request = self._request(purpose, subject, (), Action.WRITE, None)
        guard.record(request, Decision(True, (rule,)), detail)

    def record_consent(
        self, subject: str, purpose: str, given: bool, expires_at: datetime | None = None
    ) -> None:
        """Record that the patient gave or withdrew consent for ``purpose`` (audited)."""
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            if purpose not in guard.compiled.purposes:
                raise InputError(f"no purpose {purpose!r} in the policy", field="purpose")
            at = self.store.clock.now()
            self.store.consents.record(
                session, self.actor.organisation, subject, purpose, given, at, expires_at
            )
            verb = "given" if given else "withdrawn"
            self._written(guard, subject, purpose, f"consent:{purpose}/{verb}", None)

    def start_care(self, subject: str, clinician: str) -> None:
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            at = self.store.clock.now()
            start_care(session, self.actor.organisation, subject, clinician, at)
            self._written(guard, subject, ADMINISTRATION, "care:start", f"clinician {clinician}")

    def end_care(self, subject: str, clinician: str) -> None:
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            at = self.store.clock.now()
            end_care(session, self.actor.organisation, subject, clinician, at)
            self._written(guard, subject, ADMINISTRATION, "care:end", f"clinician {clinician}")

    def set_restricted(self, subject: str, restricted: bool) -> None:
        """Restrict processing (Art. 18) or lift the restriction (audited)."""
        with self.store.sessions.begin() as session:
            guard = self._guard(session)
            repository = PatientRepository(session, self.actor.organisation)
            if not repository.set_restricted(subject, restricted):
                raise NotFound(f"no patient {subject} in {self.actor.organisation}")
            rule = "restriction:art18/" + ("on" if restricted else "off")
            self._written(guard, subject, ADMINISTRATION, rule, None)

    def break_glass(
        self, subject: str, reason: str, duration: timedelta = glass.DEFAULT_DURATION
    ) -> str:
        """Open a reviewed, time-boxed emergency grant; returns its id."""
        with self.store.sessions.begin() as session:
            outcome = self._guard(session).break_glass(
                self.actor.actor, self.actor.role, subject, reason, duration
            )
        if outcome.grant is None:
            raise _refuse(outcome.decision)
        return outcome.grant.grant_id

    def erase(self, subject: str, purpose: str) -> None:
        """Crypto-shred the patient: every copy of their encrypted data becomes unreadable."""
        request = self._request(purpose, subject, (), Action.WRITE, None)
        with self.store.sessions.begin() as session:
            assessment = self._guard(session).assess(request, reason="erasure (crypto-shredding)")
        if not assessment.decision.allowed:
            raise _refuse(assessment.decision)
        if not assessment.facts.known:
            raise NotFound(f"no patient {subject} in {self.actor.organisation}")
        self._vault.shred_subject(subject)

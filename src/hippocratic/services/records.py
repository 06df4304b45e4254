"""Patient records, every operation through the guard: decide, then touch data, then commit the
audit event with it. A denied request still commits its audit event, and nothing else.

Values of identity and special-category fields are encrypted under the patient's own key;
identifier fields (NHS number, email, phone) get a blind index for exact-match search.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.errors import AccessDenied, Erased, InputError, NotFound
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.guard.guard import Guard, scope
from hippocratic.policy.document import Policy
from hippocratic.services.store import Store
from hippocratic.storage.access import CareRelationshipRow, ConsentRow
from hippocratic.storage.subject import SubjectFieldRow, SubjectRow


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


class Records:
    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self._signer = store.vault.signing_key(actor.organisation)

    def _guard(self, session: Session) -> tuple[Guard, Policy]:
        policy = self.store.policy(session, self.actor.organisation)
        return Guard(session, policy, self.store.clock.now, self._signer), policy

    def _request(
        self,
        purpose: str,
        subject: str | None,
        fields: Sequence[str],
        action: Action,
        request_id: str | None,
    ) -> AccessRequest:
        return AccessRequest(
            self.actor.organisation,
            self.actor.actor,
            self.actor.role,
            purpose,
            subject,
            tuple(fields),
            action,
            request_id,
        )

    @staticmethod
    def _refuse(decision: Decision) -> AccessDenied:
        return AccessDenied(decision.reason or "denied", details=list(decision.rule_ids))

    def register(
        self, purpose: str, values: Mapping[str, str], request_id: str | None = None
    ) -> str:
        """Create a patient with these field values; returns the new subject id."""
        subject = str(uuid.uuid4())
        request = self._request(purpose, subject, list(values), Action.CREATE, request_id)
        with self.store.sessions.begin() as session:
            guard, _ = self._guard(session)
            decision = guard.check(request)
            if decision.allowed:
                session.add(
                    SubjectRow(
                        organisation_id=self.actor.organisation,
                        subject_id=subject,
                        created_at=self.store.clock.now(),
                        restricted=False,
                    )
                )
                session.flush()
                self._write(session, guard, subject, values)
        if not decision.allowed:
            raise self._refuse(decision)
        return subject

    def update(
        self, subject: str, purpose: str, values: Mapping[str, str], request_id: str | None = None
    ) -> None:
        request = self._request(purpose, subject, list(values), Action.WRITE, request_id)
        with self.store.sessions.begin() as session:
            guard, _ = self._guard(session)
            decision = guard.check(request)
            if decision.allowed:
                self._subject(session, subject)
                self._write(session, guard, subject, values)
        if not decision.allowed:
            raise self._refuse(decision)

    def _write(
        self, session: Session, guard: Guard, subject: str, values: Mapping[str, str]
    ) -> None:
        compiled, org, vault = guard.compiled, self.actor.organisation, self.store.vault
        cipher = None
        for field, value in values.items():
            if not isinstance(value, str):
                raise InputError(f"{field} must be text", field=field)
            row = SubjectFieldRow(
                organisation_id=org,
                subject_id=subject,
                field=field,
                updated_at=self.store.clock.now(),
            )
            if field in compiled.encrypted_fields:
                if cipher is None:
                    vault.ensure_subject_key(org, subject)
                    cipher = vault.subject_cipher(org, subject)
                row.ciphertext = vault.encrypt(cipher, org, subject, field, value)
            else:
                row.value = value
            if field in compiled.identifier_fields:
                row.blind_index = vault.blind_index(org, field, value)
            session.merge(row)

    def _subject(self, session: Session, subject: str) -> SubjectRow:
        row = session.get(SubjectRow, (self.actor.organisation, subject))
        if row is None:
            raise NotFound(f"no patient {subject} in {self.actor.organisation}")
        return row

    def read(
        self, subject: str, purpose: str, fields: Sequence[str], request_id: str | None = None
    ) -> dict[str, FieldValue]:
        """Decide, read, decrypt and mask; the audit event commits before the values return."""
        org = self.actor.organisation
        request = self._request(purpose, subject, fields, Action.READ, request_id)
        with self.store.sessions.begin() as session:
            guard, _ = self._guard(session)
            decision = guard.check(request)
            if not decision.allowed:
                result = None
            else:
                self._subject(session, subject)
                rows = session.scalars(
                    select(SubjectFieldRow).where(
                        SubjectFieldRow.organisation_id == org,
                        SubjectFieldRow.subject_id == subject,
                        SubjectFieldRow.field.in_(fields),
                    )
                )
                result = self._reveal(decision, subject, list(rows))
        if result is None:
            raise self._refuse(decision)
        return result

    def _reveal(
        self, decision: Decision, subject: str, rows: list[SubjectFieldRow]
    ) -> dict[str, FieldValue]:
        org, vault = self.actor.organisation, self.store.vault
        cipher = None
        erased = False
        values: dict[str, FieldValue] = {}
        for row in rows:
            if row.ciphertext is not None:
                if cipher is None and not erased:
                    try:
                        cipher = vault.subject_cipher(org, subject)
                    except Erased:
                        erased = True
                if erased or cipher is None:
                    values[row.field] = FieldValue(FieldState.ERASED, None)
                    continue
                plain = vault.decrypt(cipher, org, subject, row.field, row.ciphertext)
            else:
                plain = row.value or ""
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
        with self.store.sessions.begin() as session:
            guard, policy = self._guard(session)
            if field not in guard.compiled.identifier_fields:
                raise InputError(f"{field} is not a searchable identifier", field="field")
            decision = guard.check(request)
            found: list[str] = []
            if decision.allowed:
                index = self.store.vault.blind_index(org, field, value)
                visible = scope(
                    policy, self.actor.actor, self.actor.role, purpose, self.store.clock.now()
                )
                found = list(
                    session.scalars(
                        select(SubjectRow.subject_id)
                        .join(
                            SubjectFieldRow,
                            (
                                (SubjectFieldRow.organisation_id == SubjectRow.organisation_id)
                                & (SubjectFieldRow.subject_id == SubjectRow.subject_id)
                            ),
                        )
                        .where(
                            SubjectFieldRow.organisation_id == org,
                            SubjectFieldRow.field == field,
                            SubjectFieldRow.blind_index == index,
                            visible,
                        )
                    )
                )
        if not decision.allowed:
            raise self._refuse(decision)
        return found

    def record_consent(self, subject: str, purpose: str, given: bool) -> None:
        with self.store.sessions.begin() as session:
            self._subject(session, subject)
            session.merge(
                ConsentRow(
                    organisation_id=self.actor.organisation,
                    subject_id=subject,
                    purpose=purpose,
                    given=given,
                    recorded_at=self.store.clock.now(),
                )
            )

    def start_care(self, subject: str, clinician: str) -> None:
        with self.store.sessions.begin() as session:
            self._subject(session, subject)
            session.merge(
                CareRelationshipRow(
                    organisation_id=self.actor.organisation,
                    actor=clinician,
                    subject_id=subject,
                    started_at=self.store.clock.now(),
                    ended_at=None,
                )
            )

    def set_restricted(self, subject: str, restricted: bool) -> None:
        with self.store.sessions.begin() as session:
            self._subject(session, subject).restricted = restricted

    def break_glass(self, subject: str, reason: str) -> str:
        with self.store.sessions.begin() as session:
            guard, _ = self._guard(session)
            self._subject(session, subject)
            return guard.break_glass(self.actor.actor, self.actor.role, subject, reason)

    def erase(self, subject: str, purpose: str) -> None:
        """Crypto-shred the patient: every copy of their encrypted data becomes unreadable."""
        request = self._request(purpose, subject, (), Action.WRITE, None)
        with self.store.sessions.begin() as session:
            guard, _ = self._guard(session)
            decision = guard.check(request, reason="erasure (crypto-shredding)")
            if decision.allowed:
                self._subject(session, subject)
        if not decision.allowed:
            raise self._refuse(decision)
        self.store.vault.shred(self.actor.organisation, subject)

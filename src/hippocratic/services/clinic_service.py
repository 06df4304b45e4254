"""What every clinic-record service shares: acting as one actor in one organisation, asking the
guard, sealing and revealing values under the patient's key, and refusing in the reader's words.

The pattern of every operation (invariant 1)::

    with store.sessions.begin() as session:
        assessment = self.assess(session, request)     # decided and audited in this transaction
        if assessment.decision.allowed and assessment.facts.known:
            ...write or read...
    self.enforce(assessment)                           # after the commit: refuse, or 404

A denied request commits its audit event and nothing else; the refusal is raised after that
commit, so the ledger holds every decision, allowed or not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hippocratic.errors import AccessDenied, Erased, InputError, NotFound
from hippocratic.guard.compiled_policy import CompiledPolicy, compile_policy
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.guard.guard import Assessment, Guard
from hippocratic.policy.document import Policy
from hippocratic.services.actor import Actor
from hippocratic.services.field_value import ERASED, FieldValue, shown
from hippocratic.services.page import Cursor, Page, limit_of
from hippocratic.services.store import Store
from hippocratic.storage import clinic_repository
from hippocratic.storage.ciphertext import SubjectKey, seal, unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.ledger import AuditEvent

R = TypeVar("R")
T = TypeVar("T")
V = TypeVar("V")
LONDON = ZoneInfo("Europe/London")
"""Clinic days are UK days: 'today' and a day's worklist are reckoned in Europe/London."""


def refusal(decision: Decision) -> AccessDenied:
    """The guard's no, as the error the faces show: its reasons, then the rule ids."""
    return AccessDenied(
        decision.reason or "denied",
        details={"rules": list(decision.rule_ids), "reasons": list(decision.reasons)},
    )


class ClinicService:
    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.organisation = actor.organisation
        self.policy: Policy = store.policy_of(actor.organisation)
        self.compiled: CompiledPolicy = compile_policy(self.policy)
        self.vault = store.vault.for_organisation(actor.organisation)
        self._notary = store.notary(actor.organisation)

    def now(self) -> datetime:
        return self.store.clock.now()

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()

    def guard(self, session: Session) -> Guard:
        return Guard(session, self.policy, self.store.clock.now, self._notary, self.store.consents)

    def request(
        self,
        purpose: str,
        subject: str | None,
        fields: Sequence[str],
        action: Action,
        request_id: str | None = None,
    ) -> AccessRequest:
        return AccessRequest(
            self.organisation,
            self.actor.actor,
            self.actor.role,
            purpose,
            subject,
            tuple(dict.fromkeys(fields)),
            action,
            request_id or self.actor.request_id,
        )

    def assess(
        self, session: Session, request: AccessRequest, reason: str | None = None
    ) -> Assessment:
        """Decide and audit ``request`` in the caller's transaction."""
        return self.guard(session).assess(request, reason)

    def audited_read(
        self,
        request: AccessRequest,
        fetch: Callable[[Session], V],
        empty: V,
        reason: str | None = None,
    ) -> tuple[Assessment, V]:
        """Decide ``request`` and, if it is allowed and about a patient who is here, ``fetch``;
        the decision's event (with ``reason``, else the decision's own) is committed by the
        store's group commit, and only then does this return: denied or allowed, nothing read
        leaves before it is recorded."""

        def work(session: Session) -> tuple[list[AuditEvent], tuple[Assessment, V]]:
            guard = self.guard(session)
            assessment = guard.judge(request)
            decision = assessment.decision
            value = fetch(session) if decision.allowed and assessment.facts.known else empty
            events = guard.events([request], decision, reason or decision.reason)
            return events, (assessment, value)

        return self.store.group_commit.read(self.organisation, work, self._notary)

    def enforce(self, assessment: Assessment, subject: str | None = None) -> None:
        """After the commit: raise the refusal, or ``NotFound`` for a subject who is not here."""
        if not assessment.decision.allowed:
            raise refusal(assessment.decision)
        if subject is not None and not assessment.facts.known:
            raise NotFound(f"no patient {subject} here", field="subject")

    def seal(self, subject: str, field: str, record: str, text: str) -> bytes:
        """``text`` sealed under the patient's key, bound to ``field`` of ``record``."""
        key = self.vault.ensure_subject_key(subject)
        return seal(key, self.organisation, subject, record_field(field, record), text)

    def key(self, subject: str) -> SubjectKey | None:
        """The patient's key, or None once they were erased."""
        try:
            return self.vault.subject_key(subject)
        except Erased:
            return None

    def reveal(
        self,
        decision: Decision,
        key: SubjectKey | None,
        subject: str,
        field: str,
        record: str,
        blob: bytes | None,
    ) -> FieldValue | None:
        """One sealed value as this decision lets the actor see it; None if nothing is held."""
        if blob is None:
            return None
        if key is None:
            return ERASED
        plain = unseal(key, self.organisation, subject, record_field(field, record), bytes(blob))
        return shown(self.compiled, decision, self.actor.role, field, plain)

    def patient_page(
        self,
        subject: str,
        purpose: str,
        fields: Sequence[str],
        table: type[R],
        order: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[str]],
        show: Callable[[R, Decision, SubjectKey | None], T],
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[T]:
        """One page of a patient's records of ``table``, newest first by ``order``, decided and
        audited as one read of ``fields`` and shown as the decision allows."""
        size = limit_of(limit)
        position = Cursor.decode(cursor)
        request = self.request(purpose, subject, fields, Action.READ, request_id)
        columns: Any = table
        query = select(table).where(
            columns.organisation_id == self.organisation, columns.subject_id == subject
        )
        resume = (position.at, position.id) if position else None
        query = clinic_repository.after(query, *order, resume, descending=True).limit(size + 1)
        empty: list[R] = []
        assessment, rows = self.audited_read(
            request, lambda session: list(session.scalars(query)), empty
        )
        self.enforce(assessment, subject)
        key = self.key(subject)
        last = rows[size - 1] if len(rows) > size else None
        following = None
        if last is not None:
            following = Cursor(getattr(last, order[0].key), getattr(last, order[1].key)).encode()
        return Page([show(row, assessment.decision, key) for row in rows[:size]], following)

    def check_clinician(self, session: Session, clinician: str | None) -> None:
        """``InputError`` unless ``clinician`` is an active member of staff in a clinical role
        (one the policy gives care relationships to)."""
        if clinician is None:
            return
        staff = clinic_repository.active_staff(session, self.organisation, clinician)
        role = self.compiled.roles.get(staff.role) if staff is not None else None
        if role is None or not role.care_relationship_required:
            raise InputError(
                f"{clinician!r} is not a clinician here",
                field="clinician",
                hint="choose an active member of staff in a clinical role",
            )

    def outside_role(self, purpose: str) -> str | None:
        """Why this actor's role may never use ``purpose`` (the guard would refuse every
        such request), in the guard's words; None if it may. A page leaves out what it could
        never show without asking, so no refusal lands on the ledger that nobody attempted."""
        role = self.compiled.roles.get(self.actor.role)
        if role is not None and purpose in role.purposes:
            return None
        return (
            f"{self.compiled.title('role', self.actor.role)} staff may not use personal data "
            f"for “{self.compiled.title('purpose', purpose)}”"
        )

    def require_dpo(self, what: str) -> None:
        """``AccessDenied`` unless this actor holds the policy's DPO role."""
        role = self.policy.role_by_key.get(self.actor.role)
        if role is None or not role.dpo:
            dpo = self.policy.organisation.dpo or self.policy.organisation.privacy_contact
            raise AccessDenied(f"only the {dpo.title} may {what}")

    def binding(self, kind: str) -> Any:
        """The policy's binding of a record kind; ``NotFound`` if the organisation keeps none."""
        found = getattr(self.policy.records, kind)
        if found is None:
            name = self.policy.organisation.display_name
            raise NotFound(
                f"{name} does not keep {kind.replace('_', ' ')} records: its privacy notice "
                "does not say they are collected",
                field=kind,
            )
        return found

"""The single choke point: every read and write of personal data is decided here and recorded.

``Guard.check`` gathers the facts about the subject from the store, asks ``rules.decide``, and
appends the decision to the audit ledger in the caller's transaction, allowed or denied, so the
event is durable before any data leaves. ``Guard.require`` raises ``AccessDenied`` on a denial.
``scope`` gives the same rules as a SQL filter, for worklists and search (invariant 7).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from hippocratic.errors import AccessDenied, InputError
from hippocratic.guard.compiled_policy import CompiledPolicy, compile_policy
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.guard.rules import SubjectFacts, decide
from hippocratic.policy.document import Policy
from hippocratic.storage.access import BreakGlassRow, CareRelationshipRow, ConsentRow, ReviewItemRow
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.subject import SubjectRow

MAX_BREAK_GLASS = timedelta(hours=12)


class Guard:
    def __init__(
        self,
        session: Session,
        policy: Policy,
        now: Callable[[], datetime],
        signer: Ed25519PrivateKey | None = None,
    ) -> None:
        self.session = session
        self.policy = policy
        self.compiled: CompiledPolicy = compile_policy(policy)
        self.organisation = policy.organisation.key
        self._now = now
        self._signer = signer

    def check(self, request: AccessRequest, reason: str | None = None) -> Decision:
        if request.organisation != self.organisation:
            decision = Decision(
                False,
                ("organisation:mismatch",),
                reason="actors act only within their own organisation",
            )
        else:
            decision = decide(self.compiled, request, self._facts(request))
        self.record(request, decision, reason=reason or decision.reason)
        return decision

    def require(self, request: AccessRequest, reason: str | None = None) -> Decision:
        decision = self.check(request, reason)
        if not decision.allowed:
            raise AccessDenied(decision.reason or "denied", details=list(decision.rule_ids))
        return decision

    def record(self, request: AccessRequest, decision: Decision, reason: str | None = None) -> None:
        append(
            self.session,
            self.organisation,
            [
                AuditEvent(
                    at=self._now(),
                    actor=request.actor,
                    role=request.role,
                    purpose=request.purpose,
                    subject=request.subject,
                    action=request.action.value,
                    outcome=decision.outcome,
                    fields=request.fields,
                    categories=decision.categories,
                    rule_ids=decision.rule_ids,
                    request_id=request.request_id,
                    reason=reason,
                )
            ],
            self._signer,
        )

    def _facts(self, request: AccessRequest) -> SubjectFacts:
        """Everything the rules need to know about the subject, in one round trip."""
        if request.subject is None:
            return SubjectFacts()
        org, subject, now = self.organisation, request.subject, self._now()
        restricted = (
            select(SubjectRow.restricted)
            .where(SubjectRow.organisation_id == org, SubjectRow.subject_id == subject)
            .scalar_subquery()
        )
        consent = exists().where(
            ConsentRow.organisation_id == org,
            ConsentRow.subject_id == subject,
            ConsentRow.purpose == request.purpose,
            ConsentRow.given.is_(True),
        )
        care = exists().where(
            CareRelationshipRow.organisation_id == org,
            CareRelationshipRow.subject_id == subject,
            CareRelationshipRow.actor == request.actor,
            or_(CareRelationshipRow.ended_at.is_(None), CareRelationshipRow.ended_at > now),
        )
        glass = exists().where(
            BreakGlassRow.organisation_id == org,
            BreakGlassRow.subject_id == subject,
            BreakGlassRow.actor == request.actor,
            BreakGlassRow.expires_at > now,
        )
        row = self.session.execute(select(restricted, consent, care, glass)).one()
        return SubjectFacts(
            frozenset({request.purpose}) if row[1] else frozenset(),
            bool(row[0]),
            bool(row[2]),
            bool(row[3]),
        )

    def break_glass(
        self,
        actor: str,
        role: str,
        subject: str,
        reason: str,
        duration: timedelta = timedelta(hours=1),
    ) -> str:
        """Emergency access without a care relationship: a reason, a time limit, a DPO review."""
        if not reason.strip():
            raise InputError(
                "break-glass needs a reason",
                field="reason",
                hint="say why this patient's record is needed now",
            )
        if not timedelta(0) < duration <= MAX_BREAK_GLASS:
            raise InputError("break-glass lasts between a minute and 12 hours", field="duration")
        compiled_role = self.compiled.roles.get(role)
        request = AccessRequest(
            self.organisation, actor, role, "break_glass", subject, (), Action.READ
        )
        if compiled_role is None or not compiled_role.break_glass:
            self.record(request, Decision(False, (f"role:{role}/break_glass",)), reason)
            raise AccessDenied(f"role {role} may not use break-glass")
        now = self._now()
        grant = str(uuid.uuid4())
        self.session.add(
            BreakGlassRow(
                organisation_id=self.organisation,
                grant_id=grant,
                actor=actor,
                subject_id=subject,
                reason=reason,
                granted_at=now,
                expires_at=now + duration,
            )
        )
        self.session.add(
            ReviewItemRow(
                organisation_id=self.organisation,
                item_id=str(uuid.uuid4()),
                kind="break_glass",
                actor=actor,
                subject_id=subject,
                detail=reason,
                created_at=now,
            )
        )
        self.record(request, Decision(True, (f"role:{role}/break_glass",)), reason)
        return grant


def scope(
    policy: Policy, actor: str, role: str, purpose: str, now: datetime
) -> ColumnElement[bool]:
    """A filter on ``SubjectRow`` selecting exactly the subjects ``decide`` would let this actor
    see for this purpose, so worklists and searches are scoped inside the database."""
    compiled = compile_policy(policy)
    compiled_role = compiled.roles.get(role)
    compiled_purpose = compiled.purposes.get(purpose)
    if compiled_role is None or compiled_purpose is None or purpose not in compiled_role.purposes:
        return false()
    org = compiled.organisation
    conditions: list[ColumnElement[bool]] = [SubjectRow.organisation_id == org]
    if not compiled_purpose.legal_claims:
        conditions.append(SubjectRow.restricted.is_(False))
    if compiled_purpose.consent_required:
        conditions.append(
            exists().where(
                ConsentRow.organisation_id == org,
                ConsentRow.subject_id == SubjectRow.subject_id,
                ConsentRow.purpose == purpose,
                ConsentRow.given.is_(True),
            )
        )
    if compiled_role.care_relationship_required:
        conditions.append(
            or_(
                exists().where(
                    CareRelationshipRow.organisation_id == org,
                    CareRelationshipRow.subject_id == SubjectRow.subject_id,
                    CareRelationshipRow.actor == actor,
                    or_(CareRelationshipRow.ended_at.is_(None), CareRelationshipRow.ended_at > now),
                ),
                exists().where(
                    BreakGlassRow.organisation_id == org,
                    BreakGlassRow.subject_id == SubjectRow.subject_id,
                    BreakGlassRow.actor == actor,
                    BreakGlassRow.expires_at > now,
                ),
            )
        )
    return and_(true(), *conditions)

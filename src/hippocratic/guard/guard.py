"""The single choke point: every read and write of personal data is decided here and recorded.

``Guard.check`` gathers the facts about the subject in one query, asks ``rules.decide``, and
appends the decision to the audit ledger in the caller's transaction, allowed or denied, so the
event is durable before any data leaves (the caller commits it with the data it guards). A
read may instead ``judge`` and hand its ``events`` to the store's group commit, which commits
them with those of concurrent reads; it reveals nothing until they are committed
(``storage.group_commit``).
Nothing here raises on a denial: the caller commits the event, then refuses. ``scope`` gives
the same rules as a SQL filter for worklists; ``break_glass`` opens a reviewed, time-boxed grant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, DateTime, Select, String, bindparam, exists, select
from sqlalchemy.orm import Session

from hippocratic.guard import break_glass as glass
from hippocratic.guard.care_relationship import in_care, under_break_glass
from hippocratic.guard.compiled_policy import CompiledPolicy, compile_policy
from hippocratic.guard.consent import LEDGER_CONSENTS, ConsentStore
from hippocratic.guard.decision import AccessRequest, Action, Decision
from hippocratic.guard.representation import (
    REPRESENTATIVE_ROLE,
    AuthorityFacts,
    authority_id_of,
    represented,
)
from hippocratic.guard.rules import SubjectFacts, decide
from hippocratic.policy.document import Policy
from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.notary import Notary
from hippocratic.storage.objection import objected
from hippocratic.storage.representative import authority_row
from hippocratic.storage.subject import SubjectRow

BREAK_GLASS_PURPOSE = "break_glass"
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    facts: SubjectFacts


@dataclass(frozen=True)
class BreakGlassOutcome:
    decision: Decision
    grant: glass.BreakGlassGrant | None


FactsQuery = Select[bool, bool, bool, bool, bool, bool]
_FACTS: dict[int, tuple[ConsentStore, FactsQuery]] = {}


def _facts_query(consents: ConsentStore) -> FactsQuery:
    """One statement, built once per consent store, answering everything ``decide`` needs."""
    cached = _FACTS.get(id(consents))
    if cached is not None and cached[0] is consents:
        return cached[1]
    org = bindparam("organisation", type_=String)
    subject = bindparam("subject", type_=String)
    actor = bindparam("actor", type_=String)
    purpose = bindparam("purpose", type_=String)
    now = bindparam("now", type_=DateTime(timezone=True))
    terms: BindParameter[Sequence[str]] = bindparam("terms", expanding=True)
    the_subject = (SubjectRow.organisation_id == org) & (SubjectRow.subject_id == subject)
    query = select(
        exists().where(the_subject),
        exists().where(the_subject, SubjectRow.restricted.is_(True)),
        consents.live(org, subject, purpose, now, terms),
        in_care(org, subject, actor, now),
        under_break_glass(org, subject, actor, now),
        objected(org, subject, purpose),
    )
    _FACTS[id(consents)] = (consents, query)
    return query


class Guard:
    def __init__(
        self,
        session: Session,
        policy: Policy,
        now: Callable[[], datetime],
        notary: Notary | None = None,
        consents: ConsentStore = LEDGER_CONSENTS,
    ) -> None:
        self.session = session
        self.policy = policy
        self.compiled: CompiledPolicy = compile_policy(policy)
        self.organisation = self.compiled.organisation
        self.consents = consents
        self._now = now
        self._notary = notary

    def decide(
        self,
        actor: str,
        role: str,
        purpose: str,
        subject: str | None,
        fields: Sequence[str],
        action: Action,
        request_id: str | None = None,
    ) -> Decision:
        """Decide and audit one request within this guard's organisation."""
        request = AccessRequest(
            self.organisation, actor, role, purpose, subject, tuple(fields), action, request_id
        )
        return self.check(request)

    def check(self, request: AccessRequest, reason: str | None = None) -> Decision:
        return self.assess(request, reason).decision

    def assess(self, request: AccessRequest, reason: str | None = None) -> Assessment:
        """The decision and the facts it rested on; the decision is appended to the ledger."""
        assessment = self.judge(request)
        self.record(request, assessment.decision, reason=reason or assessment.decision.reason)
        return assessment

    def judge(self, request: AccessRequest) -> Assessment:
        """The decision and the facts it rested on, not yet recorded: for a read whose events
        go to the ledger by group commit (``events``), before anything read is revealed."""
        if request.organisation != self.organisation:
            facts = SubjectFacts(known=False)
            decision = Decision(
                False,
                ("organisation:mismatch",),
                reasons=("actors act only within their own organisation",),
            )
        else:
            facts = self.facts(request)
            if request.role == REPRESENTATIVE_ROLE:
                today = self._now().astimezone(LONDON).date()
                authority = self.authority(request.actor)
                decision = represented(self.compiled, request, facts, authority, today)
            else:
                decision = decide(self.compiled, request, facts)
        return Assessment(decision, facts)

    def authority(self, actor: str) -> AuthorityFacts | None:
        """The recorded authority a representative acts under, if the actor names one."""
        found = authority_id_of(actor)
        row = authority_row(self.session, self.organisation, found) if found else None
        if row is None:
            return None
        return AuthorityFacts(
            row.authority_id,
            row.subject_id,
            frozenset(json.loads(row.covers)),
            row.valid_until,
            row.revoked_at is not None,
        )

    def record(self, request: AccessRequest, decision: Decision, reason: str | None = None) -> int:
        """Append the decision to the ledger; returns the event's seq."""
        return self.record_each([request], decision, reason)

    def record_each(
        self, requests: Sequence[AccessRequest], decision: Decision, reason: str | None = None
    ) -> int:
        """One event per request, all under one decision, in a single append: a list shows
        several patients at once, and each of their histories must show it (invariant 1).
        Returns the last event's seq."""
        events = self.events(requests, decision, reason)
        return append(self.session, self.organisation, events, self._notary)

    def events(
        self, requests: Sequence[AccessRequest], decision: Decision, reason: str | None = None
    ) -> list[AuditEvent]:
        """The audit events of ``requests`` under ``decision``, dated now."""
        at = self._now()
        return [
            AuditEvent(
                at=at,
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
            for request in requests
        ]

    def decide_scoped(self, request: AccessRequest) -> Decision:
        """The field-level decision for a list across patients, not yet recorded: the rules of
        ``decide`` for this actor, role, purpose and fields; the per-patient facts (care,
        consent, restriction) are ``scope``'s, applied in the list's SQL."""
        scoped = SubjectFacts(consented_purposes=frozenset({request.purpose}))
        return decide(self.compiled, request, scoped)

    def facts(self, request: AccessRequest) -> SubjectFacts:
        """Everything the rules need to know about the subject, in one round trip."""
        if request.subject is None:
            return SubjectFacts()
        compiled_purpose = self.compiled.purposes.get(request.purpose)
        row = self.session.execute(
            _facts_query(self.consents),
            {
                "organisation": self.organisation,
                "subject": request.subject,
                "actor": request.actor,
                "purpose": request.purpose,
                "now": self._now(),
                "terms": list(compiled_purpose.consent_terms) if compiled_purpose else [],
            },
        ).one()
        return SubjectFacts(
            frozenset({request.purpose}) if row[2] else frozenset(),
            bool(row[1]),
            bool(row[3]),
            bool(row[4]),
            bool(row[0]),
            bool(row[5]),
        )

    def break_glass(
        self,
        actor: str,
        role: str,
        subject: str,
        reason: str,
        duration: timedelta = glass.DEFAULT_DURATION,
        request_id: str | None = None,
    ) -> BreakGlassOutcome:
        """Emergency access without a care relationship: only for roles the policy allows and
        patients of this organisation, with a reason and a time limit; audited either way, and
        queued for the DPO's review. The caller commits, then raises on a denial."""
        reason = glass.validate(reason, duration)
        compiled_role = self.compiled.roles.get(role)
        request = AccessRequest(
            self.organisation,
            actor,
            role,
            BREAK_GLASS_PURPOSE,
            subject,
            (),
            Action.READ,
            request_id,
        )
        rules: tuple[str, ...] = (f"role:{role}/break_glass",)
        denial = None
        if compiled_role is None or not compiled_role.break_glass:
            denial = f"role {role} may not use break-glass"
        elif not self.facts(request).known:
            rules, denial = (*rules, "subject:unknown"), f"no patient {subject} here"
        if denial is not None:
            decision = Decision(False, rules, reasons=(denial,))
            self.record(request, decision, reason)
            return BreakGlassOutcome(decision, None)
        grant = glass.open_grant(
            self.session, self.organisation, actor, subject, reason, duration, self._now()
        )
        decision = Decision(True, rules)
        self.record(request, decision, reason)
        return BreakGlassOutcome(decision, grant)

"""The breach register (UK GDPR Art. 33(5); S1-25, S1-26, S0-122, L-08, L-12).

- **Report**: anyone on staff reports an incident, saying what happened and when the
  organisation became aware of it: the 72-hour clock (``domain/breach_deadline``) runs from
  then. A processor's report (Art. 33(2)) opens one with the clock started when the processor
  told us. A scope (a time window, an actor, a recipient) is what finds the affected patients.
- **Own**: an incident is assessed only once someone on the incident team owns it (S1-25,
  ``incident_team``): the DPO assigns an owner, or, being on the team, takes it on deciding.
- **Assess**: only the DPO decides: is it a breach (confirmed, likely, or not one), what risk,
  was the data unintelligible (the encryption exception), and so who must be told
  (``domain/breach_notification``). Every decision, "not reportable" included, carries its
  reason (L-08) and is kept: a later decision is added, never an edit.
- **Affected patients** are computed from the logs (``affected_patients``), never typed in.
- **Close**: only once what the decision in force requires was done (the ICO report sent, the
  letters drafted), with a note; an incident is never closed without a recorded decision.

Every step is an audit event under ``incident_response``; a refusal is recorded, then raised.
The ICO report and the letters to patients are ``incident_reports``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.breach_deadline import london
from hippocratic.domain.breach_notification import BreachFinding, RiskLevel, notification_duty
from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.services.affected_patients import INCIDENT_PURPOSE, Affected, Scope, affected
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.incident import (
    Incident,
    IncidentClock,
    IncidentSource,
    IncidentStatus,
    decision_of,
    incident_clock,
    release_link,
    released_to_wrong_hands,
)
from hippocratic.services.incident_team import on_team, team_member
from hippocratic.services.oversight import is_dpo
from hippocratic.storage.incident import (
    IncidentDecisionRow,
    IncidentLetterRow,
    IncidentRow,
    first_sent,
    latest_decision,
)
from hippocratic.storage.incident_release import release_of

NO_SCOPE = Scope()
MIN_REASON = 30
"""The fewest characters of a description, a decision's reason or a closing note: enough to
say what happened or why, which a word or two never does (Art. 33(5))."""


def _given(value: str, field: str, ask: str) -> str:
    said = text(value, field, max_length=5000)
    if len(said) < MIN_REASON:
        raise InputError(f"{ask}, in at least {MIN_REASON} characters", field=field)
    return said


class Incidents(ClinicService):
    # -- reporting -------------------------------------------------------------------------

    def report(
        self,
        description: str,
        aware_at: datetime | None = None,
        scope: Scope = NO_SCOPE,
        *,
        source: IncidentSource = IncidentSource.STAFF,
        processor: str | None = None,
        linked: Callable[[Session, str], str] | None = None,
    ) -> Incident:
        """Anyone on staff reports what happened; the clock runs from ``aware_at`` (now if
        not given). ``linked`` writes what the incident is about (a wrong release) in the
        same transaction, given the new incident's id, and says what it linked."""
        if self.actor.role == SELF_ROLE or self.actor.role not in self.policy.role_by_key:
            raise AccessDenied("incidents are reported by staff")
        said = _given(description, "description", "say what happened")
        now = self.now()
        aware = aware_at or now
        if aware.utcoffset() is None:
            raise InputError("give the moment of awareness with its time zone", field="aware_at")
        if aware > now:
            raise InputError("nobody can have become aware of it in the future", field="aware_at")
        scope.check()
        incident_id = str(uuid.uuid4())
        row = IncidentRow(
            organisation_id=self.organisation,
            incident_id=incident_id,
            reported_by=self.actor.actor,
            reported_at=now,
            aware_at=aware,
            source=source.value,
            processor=processor,
            description=said,
            window_start=scope.window_start,
            window_end=scope.window_end,
            scope_actor=scope.actor,
            scope_recipient=scope.recipient,
            status=IncidentStatus.OPEN.value,
        )
        with self.store.sessions.begin() as session:
            session.add(row)
            origin = f" by processor {processor}" if processor else f" ({source.value})"
            self._record(session, incident_id, f"reported{origin}; aware {london(aware)}")
            if linked is not None:
                session.flush()
                self._record(session, incident_id, linked(session, incident_id))
        return self.get(incident_id)

    def processor_report(
        self, processor: str, description: str, told_at: datetime, scope: Scope = NO_SCOPE
    ) -> Incident:
        """A processor told us of a breach (Art. 28(3)(f), 33(2)): an incident opens with our
        72-hour clock started when they told us, not when someone here read it (L-12)."""
        name = text(processor, "processor", max_length=200)
        if not name:
            raise InputError("name the processor that reported the breach", field="processor")
        return self.report(
            description, told_at, scope, source=IncidentSource.PROCESSOR, processor=name
        )

    # -- the DPO's decisions ---------------------------------------------------------------

    def assign(self, incident_id: str, owner: str) -> Incident:
        """Give the incident an owner from the incident team (S1-25); the DPO's decision."""
        self._refuse_unless_dpo(incident_id, "ownership")
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "ownership")
            row = self._row(session, incident_id)
            if row.status == IncidentStatus.CLOSED.value:
                raise Conflict("this incident is closed")
            member = team_member(session, self.organisation, self.policy, owner.strip())
            row.owner, row.owned_at = member.username, self.now()
            self._record(session, incident_id, f"owner {member.username} ({member.role})")
        if not decision.allowed:
            raise refusal(decision)
        return self.get(incident_id)

    def decide(
        self,
        incident_id: str,
        breach: BreachFinding,
        assessment: RiskLevel,
        reason: str,
        *,
        encryption_exception: bool = False,
        notify_ico: bool | None = None,
        notify_subjects: bool | None = None,
    ) -> Incident:
        """The DPO's decision, with its reason (L-08). Who must be told follows from the law
        and the policy's threshold; the DPO may tell more people, never fewer."""
        self._refuse_unless_dpo(incident_id, "assessment")
        why = _given(reason, "reason", "give the reasoning for the assessment (Art. 33(5))")
        threshold = self.policy.breach.subject_notification.value
        duty = notification_duty(threshold, breach, assessment, encryption_exception)
        ico = duty.ico if notify_ico is None else notify_ico
        subjects = duty.subjects if notify_subjects is None else notify_subjects
        if duty.ico and not ico:
            raise InputError("this breach must be reported to the ICO", field="notify_ico",
                             hint="; ".join(duty.why))  # fmt: skip
        if duty.subjects and not subjects:
            raise InputError("the people affected must be told", field="notify_subjects",
                             hint="; ".join(duty.why))  # fmt: skip
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "assessment")
            if decision.allowed:
                row = self._row(session, incident_id)
                if row.status == IncidentStatus.CLOSED.value:
                    raise Conflict("this incident is closed")
                self._owned(session, row)
                number = len(self._decisions(session, incident_id)) + 1
                session.add(
                    IncidentDecisionRow(
                        organisation_id=self.organisation,
                        incident_id=incident_id,
                        number=number,
                        breach=breach.value,
                        assessment=assessment.value,
                        notify_ico=ico,
                        notify_subjects=subjects,
                        encryption_exception=encryption_exception,
                        reason=why,
                        decided_by=self.actor.actor,
                        decided_at=self.now(),
                    )
                )
                if row.status == IncidentStatus.OPEN.value:
                    row.status = IncidentStatus.ASSESSED.value
                told = f"ICO {'yes' if ico else 'no'}, patients {'yes' if subjects else 'no'}"
                self._record(session, incident_id, f"decision {number}: {breach.value} breach, "
                             f"{assessment.value}; {told}")  # fmt: skip
        if not decision.allowed:
            raise refusal(decision)
        return self.get(incident_id)

    def close(self, incident_id: str, note: str) -> Incident:
        """Close once the decision in force was carried out; never without a decision."""
        self._refuse_unless_dpo(incident_id, "closing")
        said = _given(note, "note", "say what was done and learned")
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "closing")
            if decision.allowed:
                row = self._row(session, incident_id)
                if row.status == IncidentStatus.CLOSED.value:
                    raise Conflict("this incident is already closed")
                latest = latest_decision(session, self.organisation, incident_id)
                if latest is None:
                    raise Conflict("assess the incident first: every incident is closed on a "
                                   "recorded decision with its reasoning (Art. 33(5))")  # fmt: skip
                if (
                    latest.notify_ico
                    and first_sent(session, self.organisation, incident_id) is None
                ):
                    raise Conflict("the decision in force reports this breach to the ICO: send "
                                   "the report first")  # fmt: skip
                if latest.notify_subjects and not self._told(session, row):
                    raise Conflict("the decision in force tells the patients affected: draft "
                                   "their letters first")  # fmt: skip
                row.status = IncidentStatus.CLOSED.value
                row.closed_at, row.closed_by, row.closing_note = self.now(), self.actor.actor, said
                self._record(session, incident_id, "closed")
        if not decision.allowed:
            raise refusal(decision)
        return self.get(incident_id)

    # -- reading ---------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident:
        """One incident: the DPO sees any, whoever reported it sees theirs."""
        with self.store.sessions.begin() as session:
            row = self._row(session, incident_id)
            if is_dpo(self) or row.reported_by == self.actor.actor:
                shown = self._shown(session, row)
                self._record(session, incident_id, "read")
                return shown
            decision = self._dpo(session, incident_id, "the breach register")
        raise refusal(decision)

    def register(self, *, include_closed: bool = False) -> list[Incident]:
        """The breach register, most urgent first: overdue, then by deadline (DPO only)."""
        found: list[Incident] = []
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, None, "the breach register")
            if decision.allowed:
                query = select(IncidentRow).where(IncidentRow.organisation_id == self.organisation)
                if not include_closed:
                    query = query.where(IncidentRow.status != IncidentStatus.CLOSED.value)
                rows = session.scalars(query.order_by(IncidentRow.aware_at))
                found = [self._shown(session, row) for row in rows]
        if not decision.allowed:
            raise refusal(decision)
        return sorted(found, key=lambda i: (not i.clock.overdue, not i.clock.needed,
                                            i.clock.deadline))  # fmt: skip

    def affected(self, incident_id: str) -> Affected:
        """The patients the incident's scope reaches, from the logs; each one's history shows
        that their record was looked at for this incident."""
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "affected patients")
            found = Affected([], {}, 0, [])
            if decision.allowed:
                found = self.reach(session, self._row(session, incident_id))
                requests = [
                    self.request(INCIDENT_PURPOSE, p.subject_id, (), Action.READ)
                    for p in found.patients
                ]
                if requests:
                    self.guard(session).record_each(
                        requests,
                        Decision(True, (f"role:{self.actor.role}/dpo",)),
                        f"incident {incident_id}: affected by the breach ({found.count})",
                    )
        if not decision.allowed:
            raise refusal(decision)
        return found

    # -- shared with incident_reports --------------------------------------------------------

    def reach(self, session: Session, row: IncidentRow) -> Affected:
        release = release_of(session, self.organisation, row.incident_id)
        if release is not None:
            return released_to_wrong_hands(release)
        scope = self._scope(row)
        if not scope.bounded:
            raise Conflict("give the incident a time window, an actor or a recipient: without "
                           "one it would reach every patient")  # fmt: skip
        return affected(session, self.organisation, scope)

    def clock(
        self, row: IncidentRow, latest: IncidentDecisionRow | None, sent: datetime | None
    ) -> IncidentClock:
        return incident_clock(row, latest, sent, self.now())

    def _dpo(self, session: Session, incident_id: str | None, what: str) -> Decision:
        """Allowed for a DPO role; recorded either way (the caller raises after commit)."""
        if is_dpo(self):
            decision = Decision(True, (f"role:{self.actor.role}/dpo",))
        else:
            title = next((r.title for r in self.policy.roles if r.dpo), "Data Protection Officer")
            decision = Decision(False, (f"role:{self.actor.role}/not_dpo",),
                                reasons=(f"only the {title} works on {what}",))  # fmt: skip
        request = self.request(INCIDENT_PURPOSE, None, (), Action.WRITE)
        about = f"incident {incident_id}: {what}" if incident_id else what
        self.guard(session).record(request, decision, about)
        return decision

    def _refuse_unless_dpo(self, incident_id: str | None, what: str) -> None:
        """Refuse (on the ledger) before anything else is looked at, unless the DPO acts."""
        if not is_dpo(self):
            with self.store.sessions.begin() as session:
                decision = self._dpo(session, incident_id, what)
            raise refusal(decision)

    def _owned(self, session: Session, row: IncidentRow) -> None:
        """An incident leaves the state it was reported in only with an owner from the
        incident team (S1-25): the DPO deciding takes it on if they are on the team."""
        if row.owner is not None:
            return
        if not on_team(self.policy, self.actor.role):
            raise Conflict("assign the incident an owner from the incident team first: it is "
                           "assessed only once someone on the team owns it")  # fmt: skip
        row.owner, row.owned_at = self.actor.actor, self.now()
        self._record(session, row.incident_id, f"owner {self.actor.actor} (on deciding)")

    def _record(self, session: Session, incident_id: str, what: str) -> None:
        request = self.request(INCIDENT_PURPOSE, None, (), Action.WRITE)
        rule = (f"role:{self.actor.role}/incident",)
        self.guard(session).record(request, Decision(True, rule), f"incident {incident_id}: {what}")

    def _row(self, session: Session, incident_id: str) -> IncidentRow:
        row = session.get(IncidentRow, (self.organisation, incident_id))
        if row is None:
            raise NotFound(f"no incident {incident_id}", field="incident")
        return row

    def _decisions(self, session: Session, incident_id: str) -> list[IncidentDecisionRow]:
        return list(
            session.scalars(
                select(IncidentDecisionRow)
                .where(
                    IncidentDecisionRow.organisation_id == self.organisation,
                    IncidentDecisionRow.incident_id == incident_id,
                )
                .order_by(IncidentDecisionRow.number)
            )
        )

    def _told(self, session: Session, row: IncidentRow) -> bool:
        """Whether every patient to be told has a letter: some were drafted, or the scope
        reaches nobody (there is no one to write to)."""
        found = session.scalar(
            select(IncidentLetterRow.subject_id)
            .where(
                IncidentLetterRow.organisation_id == self.organisation,
                IncidentLetterRow.incident_id == row.incident_id,
            )
            .limit(1)
        )
        if found is not None:
            return True
        scope = self._scope(row)
        return scope.bounded and affected(session, self.organisation, scope).count == 0

    def _scope(self, row: IncidentRow) -> Scope:
        return Scope(row.window_start, row.window_end, row.scope_actor, row.scope_recipient)

    def _shown(self, session: Session, row: IncidentRow) -> Incident:
        decisions = self._decisions(session, row.incident_id)
        latest = decisions[-1] if decisions else None
        sent = first_sent(session, self.organisation, row.incident_id)
        return Incident(
            row.incident_id,
            IncidentStatus(row.status),
            IncidentSource(row.source),
            row.processor,
            row.description,
            row.reported_by,
            row.reported_at,
            row.aware_at,
            self._scope(row),
            self.clock(row, latest, sent),
            decision_of(latest) if latest else None,
            [decision_of(d) for d in decisions],
            row.closed_at,
            row.closing_note,
            release_link(release_of(session, self.organisation, row.incident_id)),
            row.owner,
        )

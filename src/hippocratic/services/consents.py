"""Recording, reading and reconfirming consent, on the consent ledger (``storage.consent``).

Every grant or withdrawal names one purpose (consent is unbundled, S0-46) and, for a purpose
asked per channel (marketing by email, by SMS), the channels; each channel is its own event.
What makes a valid record, and who may make it, is ``consent_choice``'s. Each event is bound
into the audit chain: its digest is the reason on the audit event written in the same
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hippocratic.domain.consent import ConsentKind, lapses_at, soft_terms, text_sha256
from hippocratic.domain.personal_detail import text
from hippocratic.errors import NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.purpose import Purpose
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.clinic_service import refusal as guard_refusal
from hippocratic.services.consent_choice import ConsentChoice, ConsentRules
from hippocratic.storage import consent as ledger
from hippocratic.storage.ciphertext import SubjectKey, unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.consent import ConsentEventRow, ConsentStateRow
from hippocratic.storage.subject import SubjectRow

__all__ = ["ConsentChoice", "ConsentEntry", "ConsentHistory", "ConsentNow", "Consents"]

EVIDENCE = "consent_evidence"
"""The sealed value's field name: evidence is bound to its event under the patient's key."""


@dataclass(frozen=True)
class ConsentEntry:
    """One event of a patient's consent history, as a reader sees it."""

    event_id: str
    purpose: str
    purpose_title: str
    channel: str | None
    kind: ConsentKind
    at: datetime
    wording: str
    wording_sha256: str
    notice_version: str
    method: str
    presentation: str
    recorded_by: str
    recorded_role: str
    evidence: str | None
    service: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class ConsentNow:
    """Where a patient's consent to one purpose (and channel) stands now."""

    purpose: str
    purpose_title: str
    channel: str | None
    kind: ConsentKind
    since: datetime
    expires_at: datetime | None
    live: bool
    """It counts now: given, not lapsed, on the purpose's current terms."""
    reconfirm: bool
    """Given under terms that have since changed (or before the ledger): ask again."""
    subject: str = ""
    event_id: str | None = None
    """The latest event; None for a state carried over from before the ledger."""


@dataclass(frozen=True)
class ConsentHistory:
    subject: str
    current: list[ConsentNow]
    events: list[ConsentEntry] = field(default_factory=list)


class Consents(ClinicService):
    def record(
        self, subject: str, choice: ConsentChoice, captured_on: str | None = None
    ) -> list[ConsentEntry]:
        """Record the choice, one event per channel; refused whole, with nothing stored, if
        it is not a valid consent record or this actor may not record it. ``captured_on``
        names the policy form it was asked on, whose taker records it (``form_consent``)."""
        rules = ConsentRules(self.policy, self.compiled, self.actor)
        purpose = rules.purpose(choice.purpose)
        channels = rules.channels(purpose, choice)
        wording = rules.wording(purpose, choice)
        rules.check(choice)
        decision = rules.authority(purpose.key, choice.kind, subject, captured_on)
        request = self.request(purpose.key, subject, (), Action.WRITE)
        now = self.now()
        written: list[ConsentEventRow] = []
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            if session.get(SubjectRow, (self.organisation, subject)) is None:
                raise NotFound(f"no patient {subject} here", field="subject")
            if not decision.allowed:
                guard.record(request, decision, decision.reason)
            else:
                for channel in channels:
                    row = self._event(session, subject, purpose, choice, channel, wording, now)
                    row.audit_seq = guard.record(
                        request, decision, ledger.binding(row.event_id, ledger.digest(row))
                    )
                    ledger.add(session, row)
                    written.append(row)
        if not decision.allowed:
            raise guard_refusal(decision)
        key = self.key(subject)
        return [self._entry(row, key) for row in written]

    def reading_purpose(self) -> str:
        """The purpose a reader who named none opens consents under: the patient record's
        own if the role has it, else one not resting on consent, else marketing."""
        role = self.compiled.roles.get(self.actor.role)
        held = sorted(role.purposes) if role else []
        binding = self.policy.records.patient
        if binding is not None and binding.purpose in held:
            return binding.purpose
        plain = [p for p in held if not self.compiled.purposes[p].consent_required]
        marketing = self.policy.marketing.purpose if self.policy.marketing else None
        if plain:
            return plain[0]
        return marketing if marketing in held else next(iter(held), "")

    def history(self, subject: str, purpose: str) -> ConsentHistory:
        """The patient's consents now and every event behind them, read under ``purpose`` (the
        reader's purpose for opening the record): decided and audited as one read."""
        request = self.request(purpose, subject, (), Action.READ)
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, "consent history")
            events: list[ConsentEventRow] = []
            states: list[ConsentStateRow] = []
            if assessment.decision.allowed and assessment.facts.known:
                events = ledger.history(session, self.organisation, subject)
                states = ledger.states(session, self.organisation, subject)
        self.enforce(assessment, subject)
        key = self.key(subject)
        return ConsentHistory(
            subject,
            [self._now(state) for state in states],
            [self._entry(row, key) for row in events],
        )

    def reconfirmation_due(self, purpose: str, limit: int = 200) -> list[ConsentNow]:
        """Consents to ``purpose`` given under terms the policy has since changed (or carried
        over from before the ledger): the people to ask again before that processing resumes.
        For staff who work under the purpose, and the DPO; audited once per patient listed."""
        chosen = ConsentRules(self.policy, self.compiled, self.actor).purpose(purpose)
        role = self.compiled.roles.get(self.actor.role)
        is_dpo = any(r.key == self.actor.role and r.dpo for r in self.policy.roles)
        if role is None or (chosen.key not in role.purposes and not is_dpo):
            decision = Decision(
                False,
                (f"role:{self.actor.role}/purpose:{chosen.key}",),
                reasons=(self.outside_role(chosen.key) or "not allowed",),
            )
            with self.store.sessions.begin() as session:
                self.guard(session).record(
                    self.request(chosen.key, None, (), Action.SEARCH), decision, decision.reason
                )
            raise guard_refusal(decision)
        accepted = self.compiled.purposes[chosen.key].consent_terms
        with self.store.sessions.begin() as session:
            rows = ledger.stale(session, self.organisation, {chosen.key: accepted}, limit)
            if rows:
                self.guard(session).record_each(
                    [
                        self.request(chosen.key, subject, (), Action.READ)
                        for subject in dict.fromkeys(r.subject_id for r in rows)
                    ],
                    Decision(True, (f"consent:{chosen.key}/reconfirm-list",)),
                    "listed to ask again: the consent was given under other terms",
                )
        return [self._now(row) for row in rows]

    # -- rows and views --------------------------------------------------------------------

    def _event(
        self,
        session: Session,
        subject: str,
        purpose: Purpose,
        choice: ConsentChoice,
        channel: str,
        wording: str,
        now: datetime,
    ) -> ConsentEventRow:
        event_id = str(uuid.uuid4())
        evidence = text(choice.evidence, "evidence", max_length=1000) if choice.evidence else None
        terms = purpose.consent_terms()
        expiry = purpose.consent.expires_after if purpose.consent else None
        return ConsentEventRow(
            organisation_id=self.organisation,
            event_id=event_id,
            subject_id=subject,
            purpose=purpose.key,
            channel=channel,
            kind=choice.kind.value,
            at=now,
            wording=wording,
            wording_sha256=text_sha256(wording),
            terms_sha256=soft_terms(terms) if choice.kind is ConsentKind.SOFT_OPT_IN else terms,
            notice_version=self.policy.notice.version,
            method=choice.method,
            presentation=choice.presentation.describe(),
            recorded_by=self.actor.actor,
            recorded_role=self.actor.role,
            evidence=self.seal(subject, EVIDENCE, event_id, evidence) if evidence else None,
            service=choice.service,
            expires_at=(
                lapses_at(now, expiry.years, expiry.months, expiry.days)
                if expiry is not None and choice.kind.gives
                else None
            ),
        )

    def _entry(self, row: ConsentEventRow, key: SubjectKey | None) -> ConsentEntry:
        evidence: str | None = None
        if row.evidence is not None:
            evidence = (
                unseal(
                    key,
                    self.organisation,
                    row.subject_id,
                    record_field(EVIDENCE, row.event_id),
                    bytes(row.evidence),
                )
                if key is not None
                else "[erased]"
            )
        return ConsentEntry(
            event_id=row.event_id,
            purpose=row.purpose,
            purpose_title=self.compiled.title("purpose", row.purpose),
            channel=row.channel or None,
            kind=ConsentKind(row.kind),
            at=row.at,
            wording=row.wording,
            wording_sha256=row.wording_sha256,
            notice_version=row.notice_version,
            method=row.method,
            presentation=row.presentation,
            recorded_by=row.recorded_by,
            recorded_role=row.recorded_role,
            evidence=evidence,
            service=row.service,
            expires_at=row.expires_at,
        )

    def _now(self, row: ConsentStateRow) -> ConsentNow:
        compiled = self.compiled.purposes.get(row.purpose)
        accepted: Sequence[str] = compiled.consent_terms if compiled else ()
        on_terms = row.terms_sha256 in accepted
        lapsed = row.expires_at is not None and row.expires_at <= self.now()
        return ConsentNow(
            purpose=row.purpose,
            purpose_title=self.compiled.title("purpose", row.purpose),
            channel=row.channel or None,
            kind=ConsentKind(row.kind),
            since=row.recorded_at,
            expires_at=row.expires_at,
            live=row.given and on_terms and not lapsed,
            reconfirm=row.given and not on_terms,
            subject=row.subject_id,
            event_id=row.event_id,
        )

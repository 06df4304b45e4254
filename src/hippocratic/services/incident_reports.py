"""What an incident sends out: the ICO report in phases (UK GDPR Art. 33(3)-(4)) and a letter to
each patient affected (Art. 34, or the stricter promise S0-122).

- **The ICO report**: the DPO drafts a phase with the nature of the breach, the likely
  consequences and the measures taken or proposed; the categories and approximate numbers of
  patients and records are computed from the logs when it is drafted, and the DPO's contact
  comes from the policy. A phase is a draft until marked sent; sending the first stops the
  72-hour clock, and a first report after the deadline must say why it is late (Art. 33(1)).
  Further phases follow as more is known (Art. 33(4)).
- **Letters**: one per affected patient, in plain words (Art. 34(2)), naming the categories of
  *their* data involved, sealed under the patient's key like every other record of theirs (a
  patient erased since is not written to: their key is gone). Drafted only when the decision
  in force tells the patients; when the encryption exception is why it does not, no letter is
  drafted and the decision says so. The patient reads their own letter; the DPO any.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hippocratic.domain.breach_deadline import breach_deadline
from hippocratic.domain.calendar import long_date
from hippocratic.domain.personal_detail import text
from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision, self_actor
from hippocratic.policy.notice import build_notice
from hippocratic.services.access_formats import LETTERS
from hippocratic.services.affected_patients import INCIDENT_PURPOSE
from hippocratic.services.clinic_service import refusal
from hippocratic.services.incident import IncidentStatus
from hippocratic.services.incidents import Incidents, _given
from hippocratic.storage.ciphertext import unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.incident import (
    IncidentLetterRow,
    IncidentReportRow,
    first_sent,
    latest_decision,
    reports,
)

LETTER = "incident_letter"
"""What a letter is sealed as: ``record_field(LETTER, incident_id)`` under the patient's key."""


@dataclass(frozen=True)
class IcoReport:
    incident_id: str
    phase: int
    nature: str
    categories: dict[str, int]
    """Category title -> approximate number of patients."""
    subjects_approx: int
    records_approx: int
    dpo_contact: str
    consequences: str
    measures: str
    delay_reason: str | None
    drafted_by: str
    drafted_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class LetterDrafts:
    incident_id: str
    drafted: int
    erased: int
    """Affected patients erased since: there is nobody to write to, and nothing to read."""
    subjects: list[str]


@dataclass(frozen=True)
class LetterEntry:
    incident_id: str
    subject_id: str
    drafted_at: datetime


def _report(row: IncidentReportRow) -> IcoReport:
    return IcoReport(
        row.incident_id,
        row.phase,
        row.nature,
        json.loads(row.categories),
        row.subjects_approx,
        row.records_approx,
        row.dpo_contact,
        row.consequences,
        row.measures,
        row.delay_reason,
        row.drafted_by,
        row.drafted_at,
        row.sent_at,
    )


class IncidentReports(Incidents):
    def draft_report(
        self,
        incident_id: str,
        nature: str,
        consequences: str,
        measures: str,
        delay_reason: str | None = None,
    ) -> IcoReport:
        """Draft the next phase (or redraft the one not yet sent), counts from the logs."""
        self._refuse_unless_dpo(incident_id, "the ICO report")
        said = (
            _given(nature, "nature", "describe the nature of the breach"),
            _given(consequences, "consequences", "describe its likely consequences"),
            _given(measures, "measures", "describe the measures taken or proposed"),
        )
        late = text(delay_reason, "delay_reason", max_length=5000) if delay_reason else None
        draft: IncidentReportRow | None = None
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "the ICO report")
            if decision.allowed:
                row = self._row(session, incident_id)
                latest = latest_decision(session, self.organisation, incident_id)
                if latest is None or not latest.notify_ico:
                    raise Conflict("the decision in force does not report this breach to the "
                                   "ICO: assess it first")  # fmt: skip
                found = self.reach(session, row)
                titles = {
                    self.compiled.title("category", key): count
                    for key, count in found.by_category.items()
                }
                phases = reports(session, self.organisation, incident_id)
                draft = phases[-1] if phases and phases[-1].sent_at is None else None
                if draft is None:
                    draft = IncidentReportRow(
                        organisation_id=self.organisation,
                        incident_id=incident_id,
                        phase=len(phases) + 1,
                    )
                    session.add(draft)
                draft.nature, draft.consequences, draft.measures = said
                draft.categories = json.dumps(titles, ensure_ascii=False)
                draft.subjects_approx, draft.records_approx = found.count, found.records
                draft.dpo_contact = self._dpo_contact()
                draft.delay_reason = late
                draft.drafted_by, draft.drafted_at = self.actor.actor, self.now()
                self._record(session, incident_id, f"ICO report phase {draft.phase} drafted: "
                             f"{found.count} patients, {found.records} records")  # fmt: skip
        if not decision.allowed or draft is None:
            raise refusal(decision)
        return _report(draft)

    def send_report(
        self, incident_id: str, phase: int, delay_reason: str | None = None
    ) -> IcoReport:
        """Mark a drafted phase sent to the ICO; the first sent stops the clock."""
        late = text(delay_reason, "delay_reason", max_length=5000) if delay_reason else None
        found: IncidentReportRow | None = None
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "the ICO report")
            if decision.allowed:
                row = self._row(session, incident_id)
                found = session.get(IncidentReportRow, (self.organisation, incident_id, phase))
                if found is None:
                    raise NotFound(f"no phase {phase} of this incident's report", field="phase")
                if found.sent_at is not None:
                    raise Conflict(f"phase {phase} was already sent")
                now = self.now()
                before = first_sent(session, self.organisation, incident_id)
                if before is None and now > breach_deadline(row.aware_at, now=now).deadline:
                    found.delay_reason = late or found.delay_reason
                    if not found.delay_reason or len(found.delay_reason) < 30:
                        raise InputError(
                            "this report is later than 72 hours from awareness: give the "
                            "reasons for the delay (Art. 33(1)), in at least 30 characters",
                            field="delay_reason",
                        )
                found.sent_at, found.sent_by = now, self.actor.actor
                if row.status != IncidentStatus.CLOSED.value:
                    row.status = IncidentStatus.REPORTED.value
                self._record(session, incident_id, f"ICO report phase {phase} sent")
        if not decision.allowed or found is None:
            raise refusal(decision)
        return _report(found)

    def report_phases(self, incident_id: str) -> list[IcoReport]:
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "the ICO report")
            phases = reports(session, self.organisation, incident_id) if decision.allowed else []
        if not decision.allowed:
            raise refusal(decision)
        return [_report(row) for row in phases]

    # -- letters to the patients affected ---------------------------------------------------

    def draft_letters(
        self, incident_id: str, nature: str, consequences: str, measures: str
    ) -> LetterDrafts:
        """A letter to every affected patient, in plain words, sealed under their key."""
        self._refuse_unless_dpo(incident_id, "letters to patients")
        said = (
            _given(nature, "nature", "say in plain words what happened"),
            _given(consequences, "consequences", "say what it could mean for them"),
            _given(measures, "measures", "say what was done and what they can do"),
        )
        drafted: list[str] = []
        erased = 0
        with self.store.sessions.begin() as session:
            decision = self._dpo(session, incident_id, "letters to patients")
            if decision.allowed:
                row = self._row(session, incident_id)
                latest = latest_decision(session, self.organisation, incident_id)
                if latest is None:
                    raise Conflict("assess the incident first")
                if not latest.notify_subjects:
                    why = (
                        "the encryption exception applies (Art. 34(3)(a))"
                        if latest.encryption_exception
                        else "the decision in force does not tell the patients"
                    )
                    raise Conflict(f"no letters for this incident: {why}")
                found = self.reach(session, row)
                today = long_date(self.today())
                for patient in found.patients:
                    if self.key(patient.subject_id) is None:
                        erased += 1
                        continue
                    titles = [self.compiled.title("category", c) for c in patient.categories]
                    html = self._letter_html(
                        incident_id, latest.breach, latest.encryption_exception, titles, said, today
                    )
                    sealed = self.seal(patient.subject_id, LETTER, incident_id, html)
                    kept = session.get(
                        IncidentLetterRow, (self.organisation, incident_id, patient.subject_id)
                    )
                    if kept is None:
                        kept = IncidentLetterRow(
                            organisation_id=self.organisation,
                            incident_id=incident_id,
                            subject_id=patient.subject_id,
                        )
                        session.add(kept)
                    kept.letter, kept.drafted_by, kept.drafted_at = (
                        sealed,
                        self.actor.actor,
                        self.now(),
                    )
                    drafted.append(patient.subject_id)
                if drafted:
                    self.guard(session).record_each(
                        [self.request(INCIDENT_PURPOSE, s, (), Action.CREATE) for s in drafted],
                        Decision(True, (f"role:{self.actor.role}/dpo",)),
                        f"incident {incident_id}: breach letter drafted (Art. 34)",
                    )
                self._record(session, incident_id, f"{len(drafted)} letters drafted, "
                             f"{erased} patients erased since")  # fmt: skip
        if not decision.allowed:
            raise refusal(decision)
        return LetterDrafts(incident_id, len(drafted), erased, drafted)

    def letter(self, incident_id: str, subject: str) -> str:
        """One patient's letter: theirs to read, or the DPO's."""
        patient = self.actor.role == SELF_ROLE
        if patient and self.actor.actor != self_actor(subject):
            raise NotFound(f"no letter for incident {incident_id}", field="incident")
        with self.store.sessions.begin() as session:
            row = session.get(IncidentLetterRow, (self.organisation, incident_id, subject))
            if row is None:
                raise NotFound(f"no letter for incident {incident_id}", field="incident")
            if patient:
                allowed = Decision(True, ("self:incident_letter",))
                read = self.request(INCIDENT_PURPOSE, subject, (), Action.READ)
                self.guard(session).record(read, allowed, f"incident {incident_id}: letter read")
            else:
                decision = self._dpo(session, incident_id, "letters to patients")
                if decision.allowed:
                    read = self.request(INCIDENT_PURPOSE, subject, (), Action.READ)
                    self.guard(session).record(
                        read, decision, f"incident {incident_id}: letter read"
                    )
        if not patient and not decision.allowed:
            raise refusal(decision)
        key = self.key(subject)
        if key is None:
            raise NotFound(f"no letter for incident {incident_id}", field="incident")
        return unseal(key, self.organisation, subject, record_field(LETTER, incident_id),
                      bytes(row.letter))  # fmt: skip

    def letters_for(self, subject: str) -> list[LetterEntry]:
        """A patient's breach letters, newest first (for their portal)."""
        if self.actor.role == SELF_ROLE and self.actor.actor != self_actor(subject):
            return []
        with self.store.sessions() as session:
            rows = session.scalars(
                select(IncidentLetterRow)
                .where(
                    IncidentLetterRow.organisation_id == self.organisation,
                    IncidentLetterRow.subject_id == subject,
                )
                .order_by(IncidentLetterRow.drafted_at.desc())
            )
            return [LetterEntry(r.incident_id, r.subject_id, r.drafted_at) for r in rows]

    def _dpo_contact(self) -> str:
        contact = self.policy.organisation.dpo or self.policy.organisation.privacy_contact
        return f"{contact.title}, {contact.email}"

    def _letter_html(
        self,
        incident_id: str,
        finding: str,
        encrypted: bool,
        categories: list[str],
        said: tuple[str, str, str],
        today: str,
    ) -> str:
        notice = build_notice(self.policy)
        promise = self.policy.breach.subject_notification.value == "any_confirmed_or_likely"
        heading = "About a breach of your personal information"
        return LETTERS.get_template("incident/letter.html.j2").render(
            title=f"{heading} ({notice.name})",
            org=notice,
            complaint_url=str(self.policy.organisation.supervisory_authority.complaint_url),
            heading=heading,
            incident_id=incident_id,
            finding=finding,
            promise=promise,
            encrypted=encrypted,
            categories=categories,
            nature=said[0],
            consequences=said[1],
            measures=said[2],
            today=today,
        )

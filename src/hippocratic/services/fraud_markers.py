"""Fraud markers (S0-53): "if you provide false or inaccurate information and we suspect fraud,
we intend to record this", recorded fairly.

A marker says what false information was given (its basis) and what shows it (its evidence);
both are required, and both are sealed under the patient's key. It stands only once a second
person has reviewed it: its author can never confirm their own marker, and a marker raised by
an automated rule is only ever a proposal until a person confirms it (Art. 22, S0-60).

The patient sees their markers wherever they see their record (the portal, an access
request), unless the DPO records why telling them would be likely to prejudice preventing or
detecting crime (DPA 2018 Sch. 2 Pt 1 para 2); that exemption is itself a recorded decision,
and it can be lifted. A patient can challenge a marker in their own words, and the statement is
shown with it; a marker shown to be wrong is withdrawn with the reason (Art. 16): it stays on
file as withdrawn, with its history, and is never used again.

Every step is a guard decision under the policy's fraud purpose (``records.fraud_marker``) and
an audit event; a patient's challenge is their own request under the rights purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.policy.document import Policy
from hippocratic.policy.record_binding import FraudMarkerBinding
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.fraud_marker import FraudMarkerRow, has_exempt

MIN_REASON = 20
"""The fewest characters of evidence, a review note, an exemption or a withdrawal reason: a
word or two is not a reason anyone can check later."""
SEALED = ("basis", "evidence", "review_note", "exemption", "statement", "withdrawn_reason")
"""The marker's values kept as ciphertext, each bound to ``<marker>/<name>``."""


class MarkerSource(StrEnum):
    STAFF = "staff"
    AUTOMATED = "automated"
    """Raised by a detection rule: a proposal until a person confirms it."""


class MarkerStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class FraudMarker:
    marker_id: str
    subject_id: str
    source: MarkerSource
    status: MarkerStatus
    basis: FieldValue | None
    evidence: FieldValue | None
    recorded_by: str
    recorded_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: FieldValue | None
    exempt: bool
    """Left out of what the patient is shown (the crime exemption), while it stands."""
    exemption: FieldValue | None
    exempted_by: str | None
    statement: FieldValue | None
    """The patient's challenge, in their words."""
    challenged_at: datetime | None
    withdrawn_reason: FieldValue | None
    withdrawn_at: datetime | None

    @property
    def stands(self) -> bool:
        """Confirmed by a second person and not withdrawn: the only marker anything may act on."""
        return self.status is MarkerStatus.CONFIRMED


def withheld_purposes(
    policy: Policy, session: Session, organisation: str, subject: str
) -> frozenset[str]:
    """The purposes whose events a patient's access history leaves out: the fraud purpose while
    any of their markers is exempt, since those events would tell them of it."""
    binding = policy.records.fraud_marker
    if binding is None or not has_exempt(session, organisation, subject):
        return frozenset()
    return frozenset({binding.purpose})


class FraudMarkers(ClinicService):
    def record(
        self,
        subject: str,
        basis: str,
        evidence: str,
        source: MarkerSource = MarkerSource.STAFF,
        request_id: str | None = None,
    ) -> FraudMarker:
        """Record a suspicion: what was false, and what shows it. It is a proposal until a
        second person reviews it."""
        binding = self._binding()
        said = text(basis, "basis", max_length=2000)
        if not said:
            raise InputError("say what false or inaccurate information was given", field="basis")
        shown_by = self._reason(evidence, "evidence", "say what shows the information is false")
        request = self.request(
            binding.purpose, subject, [binding.marker_field], Action.CREATE, request_id
        )
        marker_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, f"fraud marker {marker_id}: recorded")
            if assessment.decision.allowed and assessment.facts.known:
                row = FraudMarkerRow(
                    organisation_id=self.organisation,
                    marker_id=marker_id,
                    subject_id=subject,
                    source=source.value,
                    status=MarkerStatus.PROPOSED.value,
                    basis=self._seal(subject, marker_id, "basis", said),
                    evidence=self._seal(subject, marker_id, "evidence", shown_by),
                    recorded_by=self.actor.actor,
                    recorded_at=self.now(),
                )
                session.add(row)
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

    def review(self, marker_id: str, confirm: bool, note: str) -> FraudMarker:
        """A second person confirms the marker or rejects it, saying why."""
        why = self._reason(note, "note", "say what the review found")

        def change(row: FraudMarkerRow) -> str:
            if row.status != MarkerStatus.PROPOSED.value:
                raise Conflict(f"this marker is {row.status}: it was already reviewed")
            if row.recorded_by == self.actor.actor:
                raise AccessDenied(
                    "a fraud marker is reviewed by someone other than the person who recorded it"
                )
            row.status = (MarkerStatus.CONFIRMED if confirm else MarkerStatus.REJECTED).value
            row.reviewed_by, row.reviewed_at = self.actor.actor, self.now()
            row.review_note = self._seal(row.subject_id, marker_id, "review_note", why)
            return "confirmed" if confirm else "rejected"

        return self._change(marker_id, "review", change)

    def exempt(self, marker_id: str, reason: str) -> FraudMarker:
        """The DPO decides that telling the patient would be likely to prejudice preventing or
        detecting crime: the marker is left out of what the patient is shown until lifted."""
        self.require_dpo("exempt a fraud marker from access")
        why = self._reason(
            reason, "reason", "say how telling the patient would prejudice the prevention or "
            "detection of crime (DPA 2018 Sch. 2 Pt 1 para 2)"
        )  # fmt: skip

        def change(row: FraudMarkerRow) -> str:
            row.exemption = self._seal(row.subject_id, marker_id, "exemption", why)
            row.exempted_by, row.exempted_at = self.actor.actor, self.now()
            return "exempted from access (DPA 2018 Sch. 2 Pt 1 para 2)"

        return self._change(marker_id, "exempt", change)

    def lift_exemption(self, marker_id: str) -> FraudMarker:
        self.require_dpo("lift a fraud marker's exemption")

        def change(row: FraudMarkerRow) -> str:
            if row.exemption is None:
                raise Conflict("this marker is not exempt")
            row.exemption, row.exempted_by, row.exempted_at = None, None, None
            return "exemption lifted: the patient is shown the marker"

        return self._change(marker_id, "lift exemption", change)

    def challenge(self, marker_id: str, statement: str) -> FraudMarker:
        """The patient's challenge in their own words (themselves in the portal, or staff
        recording what they said), shown with the marker from then on."""
        said = text(statement, "statement", max_length=5000)
        if not said:
            raise InputError("say what is wrong with the marker", field="statement")

        def change(row: FraudMarkerRow) -> str:
            row.statement = self._seal(row.subject_id, marker_id, "statement", said)
            row.challenged_at = self.now()
            return "challenged by the patient"

        return self._change(marker_id, "challenge", change, by_patient=True)

    def withdraw(self, marker_id: str, reason: str) -> FraudMarker:
        """The marker was wrong (a challenge upheld, an error found): it no longer stands."""
        why = self._reason(reason, "reason", "say why the marker no longer stands")

        def change(row: FraudMarkerRow) -> str:
            if row.status == MarkerStatus.WITHDRAWN.value:
                raise Conflict("this marker is already withdrawn")
            row.status = MarkerStatus.WITHDRAWN.value
            row.withdrawn_reason = self._seal(row.subject_id, marker_id, "withdrawn_reason", why)
            row.withdrawn_by, row.withdrawn_at = self.actor.actor, self.now()
            return "withdrawn"

        return self._change(marker_id, "withdraw", change)

    def get(self, marker_id: str, purpose: str | None = None) -> FraudMarker:
        """One marker, as one audited read (a patient never gets one under the exemption)."""
        binding = self._binding()
        with self.store.sessions.begin() as session:
            row = self._row(session, marker_id)
            fields = [binding.marker_field]
            request = self.request(purpose or binding.purpose, row.subject_id, fields, Action.READ)
            assessment = self.assess(session, request, f"fraud marker {marker_id}")
        self.enforce(assessment, row.subject_id)
        if self.actor.role == SELF_ROLE and row.exemption is not None:
            raise NotFound(f"no fraud marker {marker_id}", field="marker")
        return self._shown(row, assessment.decision, self.key(row.subject_id))

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[FraudMarker]:
        """A patient's markers, newest first, as staff see them (exempt ones included)."""
        binding = self._binding()
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            [binding.marker_field],
            FraudMarkerRow,
            (FraudMarkerRow.recorded_at, FraudMarkerRow.marker_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

    def disclosable(self, subject: str, purpose: str) -> list[FraudMarker]:
        """What the patient is shown of their markers: all but those under the exemption."""
        if self.policy.records.fraud_marker is None:
            return []
        return [marker for marker in self._all(subject, purpose) if not marker.exempt]

    # -- internals -------------------------------------------------------------------------

    def _all(self, subject: str, purpose: str | None) -> list[FraudMarker]:
        found: list[FraudMarker] = []
        cursor: str | None = None
        while True:
            page = self.for_patient(subject, purpose, cursor, 100)
            found.extend(page.items)
            if page.next is None:
                return found
            cursor = page.next

    def _change(
        self,
        marker_id: str,
        step: str,
        change: Callable[[FraudMarkerRow], str],
        *,
        by_patient: bool = False,
    ) -> FraudMarker:
        binding = self._binding()
        patient = self.actor.role == SELF_ROLE
        if patient and not by_patient:
            raise AccessDenied("a patient may challenge a marker; staff decide the rest")
        with self.store.sessions.begin() as session:
            row = self._row(session, marker_id)
            if patient and row.exemption is not None:
                raise NotFound(f"no fraud marker {marker_id}", field="marker")
            if patient:
                purpose = self.policy.rights.purpose or binding.purpose
                request = self.request(purpose, row.subject_id, (), Action.CREATE)
            else:
                fields = [binding.marker_field]
                request = self.request(binding.purpose, row.subject_id, fields, Action.WRITE)
            assessment = self.assess(session, request, f"fraud marker {marker_id}: {step}")
            if assessment.decision.allowed:
                change(row)
        self.enforce(assessment, row.subject_id)
        return self.get(marker_id, self.policy.rights.purpose if patient else None)

    def _row(self, session: Session, marker_id: str) -> FraudMarkerRow:
        row = session.get(FraudMarkerRow, (self.organisation, marker_id))
        if row is None:
            raise NotFound(f"no fraud marker {marker_id}", field="marker")
        return row

    def _binding(self) -> FraudMarkerBinding:
        binding: FraudMarkerBinding = self.binding("fraud_marker")
        return binding

    def _seal(self, subject: str, marker_id: str, name: str, value: str) -> bytes:
        return self.seal(subject, self._binding().marker_field, f"{marker_id}/{name}", value)

    def _reason(self, value: str, field: str, ask: str) -> str:
        said = text(value, field, max_length=5000)
        if len(said) < MIN_REASON:
            raise InputError(f"{ask}, in at least {MIN_REASON} characters", field=field)
        return said

    def _shown(
        self, row: FraudMarkerRow, decision: Decision, key: SubjectKey | None
    ) -> FraudMarker:
        field = self._binding().marker_field

        def value(name: str) -> FieldValue | None:
            blob: bytes | None = getattr(row, name)
            record = f"{row.marker_id}/{name}"
            return self.reveal(decision, key, row.subject_id, field, record, blob)

        return FraudMarker(
            row.marker_id,
            row.subject_id,
            MarkerSource(row.source),
            MarkerStatus(row.status),
            value("basis"),
            value("evidence"),
            row.recorded_by,
            row.recorded_at,
            row.reviewed_by,
            row.reviewed_at,
            value("review_note"),
            row.exemption is not None,
            value("exemption"),
            row.exempted_by,
            value("statement"),
            row.challenged_at,
            value("withdrawn_reason"),
            row.withdrawn_at,
        )

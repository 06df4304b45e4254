"""A release that went wrong opens an incident with its 72-hour clock already running.

Staff (or the DPO) report that an access package, once released, went to the wrong person or
held too much (the ICO reprimanded a practice in December 2025 for sending an insurer 23 years
of records where the patient had asked for 5). The incident opens at once, aware *now* (when
it was reported: Art. 33(1) runs from awareness), linked to the release, with the patient
affected and the categories of data the package disclosed copied from the sealed package as
it was checked and released, never typed by hand. The DPO then assesses it on the breach
register like any other incident; its affected patient and the ICO report's categories come
from the release (``incident.released_to_wrong_hands``).

The rights request's log gets a step naming the incident, so the DPO's queue shows it too.
Reading the package to list its categories is an audit event about the patient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.domain.calendar import long_date
from hippocratic.errors import AccessDenied, Conflict, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.policy.settings import RightName
from hippocratic.services.access_package import AccessPackage
from hippocratic.services.access_release import PACKAGE, PACKAGED_RIGHTS
from hippocratic.services.affected_patients import INCIDENT_PURPOSE
from hippocratic.services.clinic_service import LONDON
from hippocratic.services.incident import Incident, IncidentSource
from hippocratic.services.incident_reports import IncidentReports
from hippocratic.services.incidents import _given
from hippocratic.services.rights_request import RequestStatus, StepStatus
from hippocratic.services.rights_requests import RightsRequests
from hippocratic.storage.ciphertext import unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.incident_release import IncidentReleaseRow, incident_for
from hippocratic.storage.rights_request import RightsRequestRow


class ReleaseFault(StrEnum):
    WRONG_RECIPIENT = "wrong_recipient"
    """The package went to someone other than the person it was for."""
    TOO_MUCH = "too_much"
    """The package held more than the request covered (dates, categories, another person)."""


FAULTS = {
    ReleaseFault.WRONG_RECIPIENT: "went to the wrong person",
    ReleaseFault.TOO_MUCH: "held more than it should have",
}
RECIPIENTS = {
    "subject": "the patient",
    "requester": "the person acting for the patient",
    "controller": "another controller",
}


class ReleaseIncidents(IncidentReports):
    def report_release(self, request_id: str, fault: ReleaseFault, description: str) -> Incident:
        """Open the incident about a released package: aware now, linked to the release, its
        patient and disclosed categories taken from the package itself."""
        if self.actor.role == SELF_ROLE or self.actor.role not in self.policy.role_by_key:
            raise AccessDenied("incidents are reported by staff")
        said = _given(description, "description", "say what went wrong with the release")
        with self.store.sessions() as session:
            row = self._released(session, request_id)
            subject, recipient = row.subject_id, row.recipient
            released_at = row.closed_at
            package = self._package(row)
        assert released_at is not None
        categories = sorted(set(self._categories(package)))
        records = {s.key: len(s.items) for s in package.sections if s.items}
        day = long_date(released_at.astimezone(LONDON).date())
        summary = (
            f"The access package of rights request {request_id}, released on {day} to "
            f"{RECIPIENTS.get(recipient, recipient)}, {FAULTS[fault]}. {said}"
        )
        steps = RightsRequests(self.store, self.actor)

        def link(session: Session, incident_id: str) -> str:
            if incident_for(session, self.organisation, request_id) is not None:
                raise Conflict("an incident about this release is open already")
            session.add(
                IncidentReleaseRow(
                    organisation_id=self.organisation,
                    incident_id=incident_id,
                    request_id=request_id,
                    subject_id=subject,
                    fault=fault.value,
                    recipient=recipient,
                    released_at=released_at,
                    categories=json.dumps(categories, separators=(",", ":")),
                    records=json.dumps(records, separators=(",", ":"), sort_keys=True),
                )
            )
            self.guard(session).record(
                self.request(INCIDENT_PURPOSE, subject, (), Action.READ),
                Decision(True, (f"role:{self.actor.role}/incident",)),
                f"incident {incident_id}: what the release of rights request {request_id} "
                "disclosed",
            )
            steps.step(
                session,
                request_id,
                "incident",
                StepStatus.DONE,
                f"incident {incident_id} opened: the release {FAULTS[fault]}",
            )
            return f"about the release of rights request {request_id}: {fault.value}"

        with self.store.sessions() as session:
            existing = incident_for(session, self.organisation, request_id)
        if existing is not None:
            raise Conflict(
                f"incident {existing} is open already about this release",
                field="request_id",
                hint="add to that incident instead of opening another",
            )
        return self.report(summary, source=IncidentSource.RELEASE, linked=link)

    def _released(self, session: Session, request_id: str) -> RightsRequestRow:
        row = session.get(RightsRequestRow, (self.organisation, request_id))
        if row is None:
            raise NotFound(f"no rights request {request_id} here", field="request_id")
        if RightName(row.right) not in PACKAGED_RIGHTS:
            raise Conflict(f"a {row.right} request is not answered with a package")
        if (
            row.status != RequestStatus.COMPLETED.value
            or row.package is None
            or row.checked_at is None
            or row.closed_at is None
        ):
            raise Conflict(
                "this package was not released: only a released package can go wrong",
                field="request_id",
            )
        return row

    def _package(self, row: RightsRequestRow) -> AccessPackage:
        assert row.package is not None
        key = self.key(row.subject_id)
        if key is None:
            raise Conflict("the patient was erased since: the package cannot be read")
        plain = unseal(
            key,
            self.organisation,
            row.subject_id,
            record_field(PACKAGE, row.request_id),
            bytes(row.package),
        )
        return AccessPackage.from_json(json.loads(plain))

    def _categories(self, package: AccessPackage) -> Iterator[str]:
        """The categories the package disclosed: of each detail shown, and of each kind of
        record it carried (its binding's fields)."""
        of_field = self.policy.category_of_field
        for detail in package.details:
            if detail.get("value") and detail["key"] in of_field:
                yield of_field[detail["key"]].key
        for section in package.sections:
            binding = getattr(self.policy.records, section.key, None) if section.items else None
            if binding is None:
                continue
            for name, value in binding:
                keys = value if name == "fields" else [value] if name.endswith("_field") else []
                yield from (of_field[k].key for k in keys if isinstance(k, str) and k in of_field)

"""The portal as someone acting for a patient sees it: only as far as their recorded authority
allows (``representatives``), until it ends.

They see who they act for, what their authority covers and until when, the requests *they*
made (not the patient's own), and, only if it covers ``record``, the record itself (every
category, every kind of clinic record, and who accessed it); they can start only the requests
it lists, and download the answer to their own access request once released. Everything is
read and done through the same services the patient's portal uses, as the representative
(``representative:<authority>``), so the guard decides each step on the authority and every
event names them; a parent's access request for a child aged 12 to 17 still waits for a
clinician's decision on the child's competence (``child_access``) before it can be released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.guard.representation import RECORD
from hippocratic.policy.settings import RightName
from hippocratic.services.access_formats import PackageFormat, Rendered
from hippocratic.services.access_history import AccessPage
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.patient_portal import (
    PatientPortal,
    RequestView,
    RightOption,
    request_view,
)
from hippocratic.services.portal_records import (
    CategoryDetails,
    PortalRecords,
    RecordSection,
    details,
)
from hippocratic.services.representative_session import RepresentativeSession
from hippocratic.services.representatives import Authority, Representatives
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel, RightsRequests
from hippocratic.services.store import Store


@dataclass(frozen=True)
class RepresentedRecord:
    """The record, for an authority that covers seeing it."""

    name: str | None
    details: list[CategoryDetails]
    records: list[RecordSection]
    access: AccessPage


@dataclass(frozen=True)
class RepresentedHome:
    organisation_name: str
    representative: str | None
    relationship: str
    covers: tuple[str, ...]
    valid_until: date
    record: RepresentedRecord | None
    """None unless the authority covers ``record``."""
    requests: list[RequestView]
    rights: list[RightOption]
    """The requests their authority lets them make."""


class RepresentativePortal:
    """One representative's portal: the actor is the representative, the patient the one
    their authority names."""

    def __init__(self, store: Store, session: RepresentativeSession) -> None:
        self.store = store
        self.actor = session.actor
        self.portal = PatientPortal(store, session.actor)
        self.policy = self.portal.policy
        self.subject = session.subject
        self.authority: Authority = Representatives(store, session.actor).own()

    def home(self, access_offset: int = 0) -> RepresentedHome:
        authority = self._live()
        record = None
        if authority.allows(RECORD):
            portal = self.portal
            held = portal.own_details(self.subject)
            name = held.fields.get("full_name")
            record = RepresentedRecord(
                name.value if name is not None and name.state == "value" else None,
                details(self.policy, held),
                PortalRecords(self.store, self.actor, portal.compiled, portal.purpose).sections(
                    self.subject
                ),
                portal.access(self.subject, access_offset),
            )
        return RepresentedHome(
            self.policy.organisation.display_name,
            authority.name,
            authority.relationship.value,
            authority.covers,
            authority.valid_until,
            record,
            self.requests(),
            self.rights(),
        )

    def rights(self) -> list[RightOption]:
        return [o for o in self.portal.rights() if self.authority.allows(o.key)]

    def requests(self) -> list[RequestView]:
        """Only the requests this representative made, of rights their authority covers."""
        mine = RightsRequests(self.store, self.actor).for_patient(self.subject)
        return [
            request_view(r)
            for r in mine
            if r.recorded_by == self.actor.actor and self.authority.allows(r.right.value)
        ]

    def ask(self, right: str, detail: str) -> RequestView:
        self._live()
        try:
            chosen = RightName(right)
        except ValueError:
            raise InputError("choose one of the requests listed", field="right") from None
        authority = self.authority
        new = NewRightsRequest(
            self.subject,
            chosen,
            RequestChannel.PORTAL,
            detail,
            requester=authority.relationship,
            requester_name=authority.name or authority.authority_id,
            authority=f"recorded authority {authority.authority_id} "
            f"(by {authority.recorded_by}, until {authority.valid_until.isoformat()})",
        )
        return request_view(RightsRequests(self.store, self.actor).submit(new))

    def download(self, request_id: str, fmt: PackageFormat) -> Rendered:
        """The released answer to an access request this representative made."""
        self._live()
        release = AccessRelease(self.store, self.actor)
        request = release.get(request_id)
        if request.recorded_by != self.actor.actor or not self.authority.allows(
            request.right.value
        ):
            raise AccessDenied("this answer is not one you asked for")
        if request.status is not RequestStatus.COMPLETED:
            raise Conflict("the information is not ready yet")
        return release.download(request_id, fmt)

    def _live(self) -> Authority:
        if not self.authority.live(self.portal.today()):
            raise AccessDenied(
                f"your authority to act for this patient ended on "
                f"{self.authority.valid_until:%-d %B %Y}"
            )
        return self.authority

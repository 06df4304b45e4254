"""What a rights request is, as its readers see it: the request, its status, its steps and its
clock; and what staff or the patient give to open one. ``rights_requests`` takes them in and
reads them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hippocratic.domain.rights_deadline import RightsDeadline
from hippocratic.policy.settings import RightName
from hippocratic.services.field_value import FieldValue
from hippocratic.services.rights_clock import RequestChannel, Requester

DETAIL = "rights_detail"
REQUESTER = "rights_requester"
AUTHORITY = "rights_authority"
EVIDENCE = "rights_identity"
OUTCOME = "rights_outcome"
EXTENSION = "rights_extension"
"""Vault bindings of a request's sealed values (a request's own words, not policy fields)."""


class RequestStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    LINKED = "linked"
    """A repeat of a request still open: linked to it, answered with it."""


class StepStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    name: str
    status: StepStatus
    at: datetime
    actor: str
    log: str


@dataclass(frozen=True)
class NewRightsRequest:
    subject: str
    right: RightName
    channel: RequestChannel
    detail: str = ""
    requester: Requester = Requester.SELF
    requester_name: str | None = None
    authority: str | None = None
    """For a parent or representative: the evidence of their authority, and how far it goes."""
    received_at: datetime | None = None
    """When it reached us (a letter's arrival, a call's time); now if not given."""
    scope_from: date | None = None
    scope_to: date | None = None


@dataclass(frozen=True)
class RightsRequest:
    request_id: str
    subject_id: str
    right: RightName
    channel: RequestChannel
    status: RequestStatus
    received_at: datetime
    recorded_by: str
    requester: Requester
    requester_name: FieldValue | None
    detail: FieldValue | None
    duplicate_of: str | None
    identity_required: bool
    identity_rule: str
    identity_verified_at: datetime | None
    fee_pence: int | None
    extended: bool
    scope_from: date | None
    scope_to: date | None
    waiting_for: str | None
    deadline: RightsDeadline
    days_left: int
    steps: tuple[Step, ...]
    closed_at: datetime | None
    outcome: FieldValue | None
    extension_reason: FieldValue | None

    due: date
    overdue: bool
    warning: bool
    """Open and due within the warning window, or overdue: the queue shows it loud."""
    failed_step: Step | None
    """The last step that failed and has not since been done: it needs running again."""

    @property
    def is_open(self) -> bool:
        return self.status is RequestStatus.OPEN


def failed_of(steps: tuple[Step, ...]) -> Step | None:
    last: dict[str, Step] = {}
    for step in steps:
        last[step.name] = step
    failed = [step for step in last.values() if step.status is StepStatus.FAILED]
    return failed[-1] if failed else None


@dataclass(frozen=True)
class QueueItem:
    request: RightsRequest
    patient: dict[str, FieldValue]

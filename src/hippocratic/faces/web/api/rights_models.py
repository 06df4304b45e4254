"""What rights-request API calls carry, as strict models (unknown members refused)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from hippocratic.faces.web.api.models import Key, Long, Short, Strict
from hippocratic.policy.settings import RightName
from hippocratic.services.rights_decisions import RefusalGround
from hippocratic.services.rights_requests import RequestChannel, Requester

Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class RightsRequestIn(Strict):
    """A request staff record (a letter, an email, a call, a visit) or an integration sends."""

    right: RightName
    channel: RequestChannel
    received_at: AwareDatetime | None = None
    detail: Long = ""
    requester: Requester = Requester.SELF
    requester_name: Short | None = None
    authority: Long | None = None
    scope_from: date | None = None
    scope_to: date | None = None


class IdentityIn(Strict):
    evidence: Reason
    received_on: date | None = None


class PauseIn(Strict):
    asked: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ReasonIn(Strict):
    reason: Reason


class FeeIn(Strict):
    pence: int = Field(ge=1, le=100_000)
    ground: RefusalGround
    reason: Reason


class FeePaidIn(Strict):
    on: date | None = None


class RefusalIn(Strict):
    ground: RefusalGround
    reason: Reason


class OutcomeIn(Strict):
    outcome: Reason


class WithholdIn(Strict):
    ref: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    kind: Key
    reason: Reason


class ErasureIn(Strict):
    restrict_instead: bool = False


class ObjectionIn(Strict):
    purpose: Key
    evidence: Annotated[str, StringConstraints(max_length=2000)] = ""


class BalanceIn(Strict):
    purpose: Key
    upheld: bool
    reasoning: Reason


class CorrectionIn(Strict):
    field: Key
    value: Annotated[str, StringConstraints(max_length=2000)]


class StatementIn(Strict):
    entry_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    statement: Reason


class TransmitIn(Strict):
    endpoint: Annotated[str, StringConstraints(min_length=8, max_length=500)]


class ReviewIn(Strict):
    decision_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    patient_view: Annotated[str, StringConstraints(max_length=2000)] = ""
    outcome: Reason


class CompetenceIn(Strict):
    competent: bool
    child_agrees: bool = False
    reason: Reason

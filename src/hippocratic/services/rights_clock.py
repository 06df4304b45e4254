"""A stored rights request's clock, and whether its requester's identity must be proven first.

The clock is ``domain.rights_deadline`` over the request's facts as they stand: when it was
received, when identity evidence and any fee arrived, every pause (an open pause counts up to
today), and any extension. While identity evidence or a fee is awaited the clock has not
started; the due date shown meanwhile is the earliest it could be (as if it had arrived with
the request), so a request never looks less urgent than it is.

Identity is checked in proportion to risk (Art. 12(6), the ICO's "reasonable doubt"): a
patient signed in to the portal has already proven it (a code sent to the contact on record,
and their date of birth); someone acting for a patient must show their authority; otherwise
the policy's rule decides, and a request by email, phone or an integration to see, move or
erase data is treated as doubtful, since anyone can send one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hippocratic.domain.rights_deadline import Pause, RightsDeadline, rights_deadline
from hippocratic.policy.document import Policy
from hippocratic.policy.settings import IdentityCheck, RightName
from hippocratic.storage.rights_request import RightsPauseRow, RightsRequestRow

LONDON = ZoneInfo("Europe/London")
WARN_DAYS = 7
"""The queue warns this many days before a request is due."""


class RequestChannel(StrEnum):
    PORTAL = "portal"
    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"
    API = "api"


class Requester(StrEnum):
    SELF = "self"
    PARENT = "parent"
    """A parent for a child: acts only as far as the recorded authority allows."""
    REPRESENTATIVE = "representative"
    """Someone the patient authorised (a solicitor, a relative), with evidence."""


DISCLOSING = frozenset({RightName.ACCESS, RightName.PORTABILITY, RightName.ERASURE})
"""Rights whose answer discloses or destroys data: a doubtful requester must prove identity."""
DOUBTFUL_CHANNELS = frozenset({RequestChannel.EMAIL, RequestChannel.PHONE, RequestChannel.API})


@dataclass(frozen=True)
class IdentityRule:
    required: bool
    why: str


def identity_rule(
    policy: Policy, right: RightName, channel: RequestChannel, requester: Requester
) -> IdentityRule:
    """Whether identity (and authority) evidence is needed before anything is disclosed."""
    if requester is not Requester.SELF:
        return IdentityRule(
            True,
            f"a {requester.value} acting for the patient: their identity and authority are "
            "checked, and they act only as far as it allows",
        )
    if channel is RequestChannel.PORTAL:
        return IdentityRule(
            False,
            "signed in to the portal with a code sent to the contact on record and their date "
            "of birth",
        )
    if policy.rights.identity_check is IdentityCheck.ALWAYS:
        return IdentityRule(True, "this organisation asks for proof of identity for every request")
    if right in DISCLOSING and channel in DOUBTFUL_CHANNELS:
        return IdentityRule(
            True,
            f"reasonable doubt: a request by {channel.value.replace('_', ' ')} to "
            f"{_verb(right)} could come from anyone (Art. 12(6))",
        )
    return IdentityRule(
        False,
        "no reasonable doubt about who is asking (Art. 12(6)): no further proof is asked for",
    )


def _verb(right: RightName) -> str:
    return {
        RightName.ACCESS: "see their data",
        RightName.PORTABILITY: "move their data",
        RightName.ERASURE: "erase their data",
    }.get(right, right.value)


def day_of(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def pauses_of(rows: Sequence[RightsPauseRow], today: date) -> list[Pause]:
    """The request's pauses; one still open counts up to today."""
    return [Pause(row.started_on, row.ended_on or today) for row in rows]


def deadline_of(
    row: RightsRequestRow,
    pauses: Sequence[RightsPauseRow],
    today: date,
    *,
    extended: bool | None = None,
) -> RightsDeadline:
    """The request's clock; ``extended`` asks what it would be with (or without) an extension."""
    received = day_of(row.received_at)
    identity = day_of(row.identity_verified_at) if row.identity_verified_at else None
    return rights_deadline(
        received,
        right=RightName(row.right),
        pauses=pauses_of(pauses, today),
        extended=row.extended_at is not None if extended is None else extended,
        identity_received=identity if row.identity_required else None,
        fee_received=row.fee_received_on,
    )


def waiting_for(row: RightsRequestRow, pauses: Sequence[RightsPauseRow]) -> str | None:
    """What the clock waits for before it starts or runs on, in plain words; None if nothing."""
    if row.identity_required and row.identity_verified_at is None:
        return "proof of identity" + (" and authority" if row.requester != "self" else "")
    if row.fee_pence is not None and row.fee_received_on is None:
        return f"the fee of £{row.fee_pence / 100:.2f}"
    for pause in pauses:
        if pause.ended_on is None:
            return pause.asked
    return None

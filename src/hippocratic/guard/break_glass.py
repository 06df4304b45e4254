"""Break-glass: emergency access to a patient without a care relationship. It needs a reason,
lasts a limited time, and every use becomes an item on the DPO's review queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hippocratic.errors import InputError
from hippocratic.storage.care import BreakGlassRow, ReviewItemRow

MAX_DURATION = timedelta(hours=12)
DEFAULT_DURATION = timedelta(hours=1)


@dataclass(frozen=True)
class BreakGlassGrant:
    grant_id: str
    review_item_id: str
    expires_at: datetime


def validate(reason: str, duration: timedelta) -> str:
    """The reason, stripped; refuses an empty reason or a duration outside (0, 12 hours]."""
    if not reason.strip():
        raise InputError(
            "break-glass needs a reason",
            field="reason",
            hint="say why this patient's record is needed now",
        )
    if not timedelta(0) < duration <= MAX_DURATION:
        raise InputError("break-glass lasts more than zero and at most 12 hours", field="duration")
    return reason.strip()


def open_grant(
    session: Session,
    organisation: str,
    actor: str,
    subject: str,
    reason: str,
    duration: timedelta,
    at: datetime,
) -> BreakGlassGrant:
    """Write the grant and its review item in the caller's transaction (the guard decides and
    audits; see ``Guard.break_glass``)."""
    reason = validate(reason, duration)
    grant = BreakGlassGrant(str(uuid.uuid4()), str(uuid.uuid4()), at + duration)
    session.add(
        BreakGlassRow(
            organisation_id=organisation,
            grant_id=grant.grant_id,
            actor=actor,
            subject_id=subject,
            reason=reason,
            granted_at=at,
            expires_at=grant.expires_at,
        )
    )
    session.add(
        ReviewItemRow(
            organisation_id=organisation,
            item_id=grant.review_item_id,
            kind="break_glass",
            actor=actor,
            subject_id=subject,
            detail=reason,
            created_at=at,
        )
    )
    return grant

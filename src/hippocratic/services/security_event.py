"""Security and administrative events on the audit ledger: store created, keys rotated, policy
changed, staff created, disabled or given another role, sign-ins that worked and that did not,
second factors enrolled and reset, sessions ended, API tokens issued and revoked.

They share the chain with every access to personal data, so one ``audit verify`` covers both.
Never a password, code, secret or token in an event: only who, what, when and the outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hippocratic.storage.ledger import AuditEvent, append
from hippocratic.storage.staff import StaffRow

if TYPE_CHECKING:  # the store records its own creation through this module
    from hippocratic.services.store import Store

SECURITY = "security"
"""The purpose on every security event (not a purpose of processing personal data)."""
OPERATOR = "operator"
"""Who acts from the command line: the person at the server's console."""


def record(
    session: Session,
    store: Store,
    organisation: str,
    actor: str,
    role: str,
    action: str,
    *,
    allowed: bool = True,
    reason: str | None = None,
    subject: str | None = None,
) -> int:
    """Append one security event in the caller's transaction (``denied`` for a failure);
    returns its seq."""
    return append(
        session,
        organisation,
        [
            AuditEvent(
                at=store.clock.now(),
                actor=actor,
                role=role,
                purpose=SECURITY,
                subject=subject,
                action=action,
                outcome="allowed" if allowed else "denied",
                rule_ids=(f"security:{action}",),
                reason=reason,
            )
        ],
        store.notary(organisation),
    )


def record_now(
    store: Store,
    organisation: str,
    actor: str,
    role: str,
    action: str,
    *,
    allowed: bool = True,
    reason: str | None = None,
) -> None:
    """``record`` in a transaction of its own (an event with no data change beside it)."""
    with store.sessions.begin() as session:
        record(session, store, organisation, actor, role, action, allowed=allowed, reason=reason)


def by_staff(
    session: Session,
    store: Store,
    member: StaffRow,
    action: str,
    *,
    allowed: bool = True,
    reason: str | None = None,
) -> None:
    """``record`` of something a member of staff did themselves (signing in, a passkey)."""
    record(
        session,
        store,
        member.organisation_id,
        member.username,
        member.role,
        action,
        allowed=allowed,
        reason=reason,
    )

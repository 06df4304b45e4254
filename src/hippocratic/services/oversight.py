"""The DPO's work queues (break-glass reviews, Art. 14 notices due): open only to roles the
policy marks ``dpo: true``, and every look at them is itself an audit event."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hippocratic.guard.decision import Action, Decision
from hippocratic.services.clinic_service import ClinicService

OVERSIGHT = "oversight"
"""The purpose on the audit events of the DPO's own reviews."""


def is_dpo(service: ClinicService) -> bool:
    role = service.policy.role_by_key.get(service.actor.role)
    return role is not None and role.dpo


def check(
    service: ClinicService, session: Session, what: str, subject: str | None = None
) -> Decision:
    """Allowed for a DPO role; recorded either way in the caller's transaction. The caller
    commits, then raises ``refusal(decision)`` if it was denied."""
    if is_dpo(service):
        decision = Decision(True, (f"role:{service.actor.role}/dpo",))
    else:
        dpo = next((r.title for r in service.policy.roles if r.dpo), "Data Protection Officer")
        decision = Decision(
            False,
            (f"role:{service.actor.role}/not_dpo",),
            reasons=(f"only the {dpo} works on {what}",),
        )
    request = service.request(OVERSIGHT, subject, (), Action.READ)
    service.guard(session).record(request, decision, what)
    return decision

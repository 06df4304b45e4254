"""Someone acting for a patient (a parent for a child, or a representative with evidence of
their authority): the guard decides as it would for the patient themselves (``rules``'s own
record: only the rights purpose, only what it covers, masks kept) and only as far as the
recorded authority allows: for the patient it names, until it ends, unless revoked, and to see
the record's contents only if it covers ``record``. Which requests they may start is the
rights service's part (the authority lists them); the guard checks the authority is live.

The actor is ``representative:<authority id>`` in the ``representative`` role, so every event
names who acted; the authority is read from the store with the subject's other facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from hippocratic.guard.compiled_policy import CompiledPolicy
from hippocratic.guard.decision import SELF_ROLE, AccessRequest, Action, Decision, self_actor
from hippocratic.guard.rules import SubjectFacts, decide

REPRESENTATIVE_ROLE = "representative"
"""The role of someone acting for a patient under a recorded authority: never a staff role."""
RECORD = "record"
"""What an authority lists to let its holder see the patient's record (not only requests)."""
PREFIX = "representative:"


def representative_actor(authority_id: str) -> str:
    return f"{PREFIX}{authority_id}"


def authority_id_of(actor: str) -> str | None:
    return actor.removeprefix(PREFIX) if actor.startswith(PREFIX) else None


@dataclass(frozen=True)
class AuthorityFacts:
    """What the guard needs of an authority: whose, what it covers, until when, revoked."""

    authority_id: str
    subject_id: str
    covers: frozenset[str]
    valid_until: date
    revoked: bool


def _refused(rule: str, reason: str) -> Decision:
    return Decision(False, (rule,), reasons=(reason,))


def represented(
    policy: CompiledPolicy,
    request: AccessRequest,
    facts: SubjectFacts,
    authority: AuthorityFacts | None,
    today: date,
) -> Decision:
    """The decision on a representative's request; deny by default."""
    if authority is None or request.subject is None or authority.subject_id != request.subject:
        return _refused(
            "representative:other", "you may act only for the patient your authority names"
        )
    mine = f"{PREFIX}{authority.authority_id}"
    if authority.revoked:
        return _refused(f"{mine}/revoked", "your authority to act for this patient was revoked")
    if today > authority.valid_until:
        return _refused(
            f"{mine}/expired",
            f"your authority to act for this patient ended on {authority.valid_until:%-d %B %Y}",
        )
    if request.action is Action.READ and request.fields and RECORD not in authority.covers:
        return _refused(
            f"{mine}/not_covered:{RECORD}",
            "your authority covers making requests, not seeing the record itself",
        )
    subject = request.subject
    as_patient = replace(request, actor=self_actor(subject), role=SELF_ROLE)
    decided = decide(policy, as_patient, facts)
    return replace(decided, rule_ids=(mine, *decided.rule_ids))

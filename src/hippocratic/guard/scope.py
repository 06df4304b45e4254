"""The guard's rules as a SQL filter on ``SubjectRow``, for worklists, search and bulk work.

``scope`` selects exactly the subjects for whom ``decide`` would allow this actor, role and
purpose (field coverage aside, which is a property of the fields asked, not of the subject), so
a list costs one query and never reveals, counts or sorts on a patient the actor may not read
(invariant 7). A role or purpose the policy does not grant yields ``false()``: deny by default.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_

from hippocratic.guard.care_relationship import in_care, under_break_glass
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.consent import LEDGER_CONSENTS, ConsentStore
from hippocratic.policy.document import Policy
from hippocratic.storage.objection import objected
from hippocratic.storage.subject import SubjectRow


def scope(
    policy: Policy,
    actor: str,
    role: str,
    purpose: str,
    now: datetime,
    consents: ConsentStore = LEDGER_CONSENTS,
) -> ColumnElement[bool]:
    compiled = compile_policy(policy)
    compiled_role = compiled.roles.get(role)
    compiled_purpose = compiled.purposes.get(purpose)
    if compiled_role is None or compiled_purpose is None or purpose not in compiled_role.purposes:
        return false()
    org = compiled.organisation
    subject = SubjectRow.subject_id
    conditions: list[ColumnElement[bool]] = [SubjectRow.organisation_id == org]
    if not compiled_purpose.legal_claims:
        conditions.append(SubjectRow.restricted.is_(False))
        conditions.append(~objected(org, subject, purpose))
    if compiled_purpose.consent_required:
        conditions.append(consents.live(org, subject, purpose, now, compiled_purpose.consent_terms))
    if compiled_role.care_relationship_required:
        care = in_care(org, subject, actor, now)
        if compiled_role.break_glass:
            care = or_(care, under_break_glass(org, subject, actor, now))
        conditions.append(care)
    return and_(*conditions)

"""The decision itself: deny by default, and name every rule that allowed or denied. A search
may not filter on a field the actor sees only masked, or it would reveal it (invariant 7).

A restricted subject's data may only be stored, used for legal claims, or used to answer the
subject's own rights requests (lifting the restriction is one): Art. 18 limits our use, not
their rights.

Pure: the facts about the subject (consent, restriction, care relationship, break-glass) are
passed in, so the same function decides in a request, in a job and in a property test.
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.guard.compiled_policy import CompiledPolicy, CompiledRole
from hippocratic.guard.decision import (
    SELF_ROLE,
    AccessRequest,
    Action,
    Decision,
    Mask,
    self_actor,
)

REDACTED = Mask()


@dataclass(frozen=True)
class SubjectFacts:
    consented_purposes: frozenset[str] = frozenset()
    restricted: bool = False
    care_relationship: bool = False
    break_glass: bool = False
    known: bool = True
    objected: bool = False
    """The patient's objection to this purpose was upheld (Art. 21(1))."""
    """The subject exists in the actor's organisation (a lookup, not a permission)."""


def _deny(rules: list[str], reason: str, categories: list[str]) -> Decision:
    return Decision(False, tuple(rules), reasons=(reason,), categories=tuple(categories))


def _mask(
    policy: CompiledPolicy, role: CompiledRole, role_key: str, field: str, category: str
) -> tuple[Mask | None, str]:
    """How this role is shown this field: redacted outside its categories or where the role
    masks it; the policy's display mask (e.g. a card's last four digits); or in full."""
    if category not in role.categories or field in role.masked_fields:
        return REDACTED, f"role:{role_key}/mask:{field}"
    if field in policy.display_masks:
        return policy.display_masks[field], f"display:{field}"
    return None, ""


def decide(policy: CompiledPolicy, request: AccessRequest, facts: SubjectFacts) -> Decision:
    """Each reason is written for the person refused: the policy's own names for roles,
    purposes, categories and fields, and what they can do about it; the rule ids say the same
    to a DPO or an auditor."""
    if request.role == SELF_ROLE:
        return _own_record(policy, request)
    title = policy.title
    role = policy.roles.get(request.role)
    if role is None:
        return Decision(
            False,
            ("role:unknown",),
            reasons=(f"your role ({request.role}) is not one this organisation's policy defines",),
        )
    role_title = title("role", request.role)
    purpose = policy.purposes.get(request.purpose)
    if purpose is None or request.purpose not in role.purposes:
        return Decision(
            False,
            (f"role:{request.role}/purpose:{request.purpose}",),
            reasons=(
                f"{role_title} staff may not use personal data for "
                f"“{title('purpose', request.purpose)}”",
            ),
        )
    purpose_title = title("purpose", request.purpose)
    rules = [f"role:{request.role}/purpose:{request.purpose}"]
    categories: list[str] = []
    masked: dict[str, Mask] = {}
    denied: list[str] = []
    reasons: list[str] = []
    for field in request.fields:
        category = policy.field_category.get(field)
        if category is None:
            denied.append(field)
            rules.append(f"field:unknown:{field}")
            reasons.append(f"“{field}” is not something this organisation records")
            continue
        field_title = title("field", field)
        if category not in purpose.categories:
            denied.append(field)
            rules.append(f"purpose:{request.purpose}/category:{category}")
            reasons.append(
                f"“{purpose_title}” does not use {title('category', category)} ({field_title})"
            )
            continue
        if category in policy.special_categories and not purpose.has_special_condition:
            denied.append(field)
            rules.append(f"art9:{request.purpose}")
            reasons.append(
                f"{title('category', category)} is health data, and “{purpose_title}” has no "
                "lawful condition for using health data (UK GDPR Art. 9)"
            )
            continue
        mask, rule = _mask(policy, role, request.role, field, category)
        if mask is not None and request.action in (Action.SEARCH, Action.AUTHOR):
            denied.append(field)
            rules.append(rule)
            reasons.append(
                f"{role_title} staff see {field_title} only hidden, so cannot search on it"
                if request.action is Action.SEARCH
                else f"only staff who may read {field_title} may write it; {role_title} "
                "staff see it hidden"
            )
            continue
        if category not in categories:
            categories.append(category)
        if mask is not None:
            masked[field] = mask
            rules.append(rule)
    if denied:
        return Decision(
            False,
            tuple(rules),
            reasons=tuple(reasons),
            categories=tuple(categories),
            denied_fields=tuple(denied),
        )
    rules += [f"purpose:{request.purpose}/category:{category}" for category in categories]
    if purpose.consent_required and request.purpose not in facts.consented_purposes:
        return _deny(
            [*rules, f"consent:{request.purpose}"],
            f"the patient has not agreed to “{purpose_title}”, or has withdrawn their consent, "
            "or it has lapsed",
            categories,
        )
    if (
        facts.restricted
        and request.action is not Action.STORE
        and not purpose.legal_claims
        and request.purpose != policy.rights_purpose
    ):
        return _deny(
            [*rules, "restriction:art18"],
            "the patient has asked us to restrict the use of their data (UK GDPR Art. 18): it "
            "may be kept but not used",
            categories,
        )
    if facts.objected and request.action is not Action.STORE and not purpose.legal_claims:
        return _deny(
            [*rules, "objection:art21"],
            f"the patient objected to “{purpose_title}” and the objection was upheld (UK GDPR "
            "Art. 21(1)): their data is no longer used for it",
            categories,
        )
    if role.care_relationship_required and request.subject is not None:
        if facts.care_relationship:
            rules.append("care:relationship")
        elif facts.break_glass and role.break_glass:
            rules.append("care:break_glass")
        else:
            return _deny(
                [*rules, "care:none"],
                "you are not caring for this patient (no booking or referral with you); in an "
                "emergency, use break-glass and say why",
                categories,
            )
    return Decision(True, tuple(rules), masked, categories=tuple(categories))


def _own_record(policy: CompiledPolicy, request: AccessRequest) -> Decision:
    """A patient reading their own record (Art. 15): only their own, only to read, only under
    the rights purpose, and only what that purpose covers, with display masks (a card's last
    four digits) kept; or making a request about themselves (no fields). Restriction does not
    stop either: it limits our use, not their access."""
    if request.subject is None or request.actor != self_actor(request.subject):
        return Decision(
            False, ("self:other",), reasons=("a patient may read only their own record",)
        )
    if policy.rights_purpose is None or request.purpose != policy.rights_purpose:
        return Decision(
            False,
            (f"self:{request.action.value}:{request.purpose}",),
            reasons=("a patient signed in may read their own record; anything else is a request",),
        )
    if request.action is Action.CREATE and not request.fields:
        return Decision(True, ("self:request",))
    if request.action is not Action.READ:
        return Decision(
            False,
            (f"self:{request.action.value}:{request.purpose}",),
            reasons=("a patient signed in may read their own record; anything else is a request",),
        )
    purpose = policy.purposes[request.purpose]
    rules = ["self:art15"]
    categories: list[str] = []
    masked: dict[str, Mask] = {}
    denied = [
        field
        for field in request.fields
        if policy.field_category.get(field) not in purpose.categories
    ]
    if denied:
        return Decision(
            False,
            (*rules, *(f"self:field:{field}" for field in denied)),
            reasons=tuple(f"“{field}” is not part of your record here" for field in denied),
            denied_fields=tuple(denied),
        )
    for field in request.fields:
        category = policy.field_category[field]
        if category not in categories:
            categories.append(category)
        if field in policy.display_masks:
            masked[field] = policy.display_masks[field]
            rules.append(f"display:{field}")
    return Decision(True, tuple(rules), masked, categories=tuple(categories))

"""The decision itself: deny by default, and name every rule that allowed or denied. A search
may not filter on a field the actor sees only masked, or it would reveal it (invariant 7).

Pure: the facts about the subject (consent, restriction, care relationship, break-glass) are
passed in, so the same function decides in a request, in a job and in a property test.
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.guard.compiled_policy import CompiledPolicy, CompiledRole
from hippocratic.guard.decision import AccessRequest, Action, Decision, Mask

REDACTED = Mask()


@dataclass(frozen=True)
class SubjectFacts:
    consented_purposes: frozenset[str] = frozenset()
    restricted: bool = False
    care_relationship: bool = False
    break_glass: bool = False
    known: bool = True
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
    role = policy.roles.get(request.role)
    if role is None:
        return Decision(
            False, ("role:unknown",), reasons=(f"no role {request.role!r} in the policy",)
        )
    purpose = policy.purposes.get(request.purpose)
    if purpose is None or request.purpose not in role.purposes:
        return Decision(
            False,
            (f"role:{request.role}/purpose:{request.purpose}",),
            reasons=(f"role {request.role} may not act for purpose {request.purpose}",),
        )
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
            reasons.append(f"no field {field!r} in the policy")
            continue
        if category not in purpose.categories:
            denied.append(field)
            rules.append(f"purpose:{request.purpose}/category:{category}")
            reasons.append(f"purpose {request.purpose} does not cover {category} ({field})")
            continue
        if category in policy.special_categories and not purpose.has_special_condition:
            denied.append(field)
            rules.append(f"art9:{request.purpose}")
            reasons.append(f"no Art. 9 condition for {category} under {request.purpose}")
            continue
        mask, rule = _mask(policy, role, request.role, field, category)
        if mask is not None and request.action is Action.SEARCH:
            denied.append(field)
            rules.append(rule)
            reasons.append(f"{field} is shown to {request.role} masked, so cannot be searched on")
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
            f"no live consent for {request.purpose}",
            categories,
        )
    if facts.restricted and request.action is not Action.STORE and not purpose.legal_claims:
        return _deny(
            [*rules, "restriction:art18"],
            "processing is restricted (Art. 18): data may only be stored",
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
                "no care relationship with this patient; use break-glass with a reason "
                "if this is an emergency",
                categories,
            )
    return Decision(True, tuple(rules), masked, categories=tuple(categories))

"""The decision itself: deny by default, and name every rule that allowed or denied.

Pure: the facts about the subject (consent, restriction, care relationship, break-glass) are
passed in, so the same function decides in a request, in a job and in a property test.
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.guard.compiled_policy import CompiledPolicy
from hippocratic.guard.decision import AccessRequest, Action, Decision, Mask

REDACTED = Mask()


@dataclass(frozen=True)
class SubjectFacts:
    consented_purposes: frozenset[str] = frozenset()
    restricted: bool = False
    care_relationship: bool = False
    break_glass: bool = False


def decide(policy: CompiledPolicy, request: AccessRequest, facts: SubjectFacts) -> Decision:
    role = policy.roles.get(request.role)
    if role is None:
        return Decision(False, ("role:unknown",), reason=f"no role {request.role!r} in the policy")
    purpose = policy.purposes.get(request.purpose)
    if purpose is None or request.purpose not in role.purposes:
        return Decision(
            False,
            (f"role:{request.role}/purpose:{request.purpose}",),
            reason=f"role {request.role} may not act for purpose {request.purpose}",
        )
    rules = [f"role:{request.role}/purpose:{request.purpose}"]
    categories: list[str] = []
    masked: dict[str, Mask] = {}
    for field in request.fields:
        category = policy.field_category.get(field)
        if category is None:
            return Decision(False, (*rules, "field:unknown"), reason=f"no field {field!r}")
        if category not in purpose.categories:
            return Decision(
                False,
                (*rules, f"purpose:{request.purpose}/category:{category}"),
                reason=f"purpose {request.purpose} does not cover {category}",
            )
        if category in policy.special_categories and not purpose.has_special_condition:
            return Decision(
                False,
                (*rules, f"art9:{request.purpose}"),
                reason=f"no Art. 9 condition for {category} under {request.purpose}",
            )
        if category not in categories:
            categories.append(category)
        if category not in role.categories or field in role.masked_fields:
            masked[field] = REDACTED
            rules.append(f"role:{request.role}/mask:{field}")
        elif field in policy.display_masks:
            masked[field] = policy.display_masks[field]
            rules.append(f"display:{field}")
    rules += [f"purpose:{request.purpose}/category:{category}" for category in categories]
    if purpose.consent_required and request.purpose not in facts.consented_purposes:
        return Decision(
            False,
            (*rules, f"consent:{request.purpose}"),
            reason=f"no live consent for {request.purpose}",
            categories=tuple(categories),
        )
    if facts.restricted and request.action is not Action.STORE and not purpose.legal_claims:
        return Decision(
            False,
            (*rules, "restriction:art18"),
            reason="processing is restricted (Art. 18): data may only be stored",
            categories=tuple(categories),
        )
    if role.care_relationship_required and request.subject is not None:
        if facts.care_relationship:
            rules.append("care:relationship")
        elif facts.break_glass and role.break_glass:
            rules.append("care:break_glass")
        else:
            return Decision(
                False,
                (*rules, "care:none"),
                reason="no care relationship with this patient; use break-glass with "
                "a reason if this is an emergency",
                categories=tuple(categories),
            )
    return Decision(True, tuple(rules), masked, categories=tuple(categories))

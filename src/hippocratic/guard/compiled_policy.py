"""The policy compiled once into sets and maps, so that a decision costs microseconds."""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.domain.consent import soft_terms
from hippocratic.guard.decision import Mask
from hippocratic.policy.category import MaskKind
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import Purpose, SpecialCondition
from hippocratic.policy.settings import MarketingModel


@dataclass(frozen=True)
class CompiledRole:
    purposes: frozenset[str]
    categories: frozenset[str]
    masked_fields: frozenset[str]
    care_relationship_required: bool
    break_glass: bool


@dataclass(frozen=True)
class CompiledPurpose:
    categories: frozenset[str]
    has_special_condition: bool
    consent_required: bool
    legal_claims: bool
    consent_terms: tuple[str, ...] = ()
    """The terms a consent to this purpose must stand on to count: the purpose's own, and
    their soft opt-in form where the policy allows soft opt-in for it."""


@dataclass(frozen=True)
class CompiledPolicy:
    organisation: str
    roles: dict[str, CompiledRole]
    purposes: dict[str, CompiledPurpose]
    field_category: dict[str, str]
    special_categories: frozenset[str]
    display_masks: dict[str, Mask]
    encrypted_fields: frozenset[str]
    identifier_fields: frozenset[str]
    rights_purpose: str | None
    """The purpose of rights requests, under which a patient reads their own record."""
    titles: dict[str, str]
    """What people call each role, purpose, category and field (``role:reception`` ->
    "Reception and administration"), so a denial speaks their language."""

    def title(self, kind: str, key: str) -> str:
        return self.titles.get(f"{kind}:{key}", key)


_COMPILED: dict[int, tuple[Policy, CompiledPolicy]] = {}


def compile_policy(policy: Policy) -> CompiledPolicy:
    cached = _COMPILED.get(id(policy))
    if cached is not None and cached[0] is policy:
        return cached[1]
    display_masks: dict[str, Mask] = {}
    for category in policy.categories:
        for field in category.fields:
            if field.display.kind is MaskKind.LAST_DIGITS:
                display_masks[field.key] = Mask(last_digits=field.display.digits or 4)
            elif field.display.kind is MaskKind.REDACTED:
                display_masks[field.key] = Mask()
            if field.card_number and field.key not in display_masks:
                display_masks[field.key] = Mask(last_digits=4)
    compiled = CompiledPolicy(
        organisation=policy.organisation.key,
        roles={
            role.key: CompiledRole(
                frozenset(role.purposes),
                frozenset(role.categories),
                frozenset(role.masked_fields),
                role.care_relationship_required,
                role.break_glass,
            )
            for role in policy.roles
        },
        purposes={
            purpose.key: CompiledPurpose(
                frozenset(purpose.categories),
                purpose.special_condition is not None,
                purpose.consent_required,
                purpose.special_condition is SpecialCondition.LEGAL_CLAIMS,
                accepted_terms(policy, purpose),
            )
            for purpose in policy.purposes
        },
        field_category={key: c.key for key, c in policy.category_of_field.items()},
        special_categories=frozenset(
            c.key for c in policy.categories if c.special_category or c.health_revealing
        ),
        display_masks=display_masks,
        encrypted_fields=frozenset(
            f.key for c in policy.categories if c.encrypted for f in c.fields
        ),
        identifier_fields=frozenset(
            f.key for c in policy.categories for f in c.fields if f.identifier
        ),
        rights_purpose=policy.rights.purpose,
        titles={
            **{f"role:{r.key}": r.title for r in policy.roles},
            **{f"purpose:{p.key}": p.title for p in policy.purposes},
            **{f"category:{c.key}": c.title for c in policy.categories},
            **{f"field:{f.key}": f.title for c in policy.categories for f in c.fields},
        },
    )
    _COMPILED[id(policy)] = (policy, compiled)
    return compiled


def soft_opt_in_allowed(policy: Policy, purpose: str) -> bool:
    """PECR reg. 22(3): only for the marketing purpose, and only where the policy says so."""
    marketing = policy.marketing
    return (
        marketing is not None
        and marketing.model is MarketingModel.SOFT_OPT_IN
        and marketing.purpose == purpose
    )


def accepted_terms(policy: Policy, purpose: Purpose) -> tuple[str, ...]:
    if not purpose.consent_required:
        return ()
    terms = purpose.consent_terms()
    if soft_opt_in_allowed(policy, purpose.key):
        return (terms, soft_terms(terms))
    return (terms,)

"""Staff roles: which purposes each may act under and what each may see."""

from __future__ import annotations

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text


class Role(PolicyModel):
    key: Key
    title: Text
    description: str | None = None
    purposes: list[Key] = Field(min_length=1)
    categories: list[Key] = Field(min_length=1)
    """Categories this role may see at all; anything else is denied or masked."""
    masked_fields: list[Key] = Field(default_factory=list)
    """Fields this role sees only in masked form (e.g. reception sees no clinical detail)."""
    care_relationship_required: bool = False
    """Needs a care relationship with the patient; break-glass (reason, time-boxed) otherwise."""
    break_glass: bool = False
    """May use break-glass when no care relationship exists; every use is reviewed by the DPO."""
    dpo: bool = False
    """Acts as the Data Protection Officer (or manager): reviews every break-glass use, the
    Art. 14 notices that are due, and the organisation's cases and requests."""

"""What the guard is asked and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SELF_ROLE = "patient"
"""The role of a patient acting for themselves (signed in to the portal, or following a link
we sent them): not a staff role, and never one a policy defines."""


def self_actor(subject: str) -> str:
    """The actor name of the patient ``subject`` acting for themselves."""
    return f"patient:{subject}"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"
    SEARCH = "search"
    EXPORT = "export"
    DISCLOSE = "disclose"
    STORE = "store"
    """Keep data without using it: the only processing allowed for a restricted subject."""
    AUTHOR = "author"
    """Write content the organisation itself generates (a scan report): only staff who may
    read the field in full may author it, unlike capturing what a patient tells us."""


@dataclass(frozen=True)
class AccessRequest:
    organisation: str
    actor: str
    role: str
    purpose: str
    subject: str | None
    fields: tuple[str, ...]
    action: Action
    request_id: str | None = None


@dataclass(frozen=True)
class Mask:
    """How a field the actor may not see in full is shown: redacted, or its last digits."""

    last_digits: int | None = None

    def apply(self, value: str) -> str:
        if self.last_digits is None:
            return "[redacted]"
        digits = "".join(ch for ch in value if ch.isdigit())
        return "•" * max(len(digits) - self.last_digits, 0) + digits[-self.last_digits :]


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why: every rule that produced it, e.g. ``role:reception/purpose:care``.

    A request is all or nothing: if any field is denied (``denied_fields``) nothing is allowed;
    an allowed request may still show some fields only masked (``masked``).
    """

    allowed: bool
    rule_ids: tuple[str, ...]
    masked: dict[str, Mask] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    denied_fields: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        return "allowed" if self.allowed else "denied"

    @property
    def reason(self) -> str | None:
        return "; ".join(self.reasons) or None

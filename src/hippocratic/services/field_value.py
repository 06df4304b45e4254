"""One value as a reader is shown it: in full, masked (and why), erased, or not recorded."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hippocratic.guard.compiled_policy import CompiledPolicy
from hippocratic.guard.decision import Decision, Mask
from hippocratic.storage.ciphertext import SubjectKey, unseal


class FieldState(StrEnum):
    VALUE = "value"
    MASKED = "masked"
    ERASED = "erased"
    """The patient's key was destroyed: the value can never be read again."""


@dataclass(frozen=True)
class FieldValue:
    state: FieldState
    value: str | None
    why: str | None = None
    """For a masked value: why this reader sees it masked, in their words."""


def masked_why(policy: CompiledPolicy, role: str, field: str, mask: Mask) -> str:
    """Why ``role`` is shown ``field`` masked: the display rule (a card's last four digits),
    or that the role does not see the field's category, or that it masks the field."""
    title = policy.title("field", field)
    if mask.last_digits is not None and field in policy.display_masks:
        return f"{title} is only ever shown as its last {mask.last_digits} digits"
    category = policy.field_category.get(field, "")
    return f"{policy.title('role', role)} staff do not see {policy.title('category', category)}"


def shown(
    policy: CompiledPolicy, decision: Decision, role: str, field: str, plain: str
) -> FieldValue:
    """``plain`` as this decision lets the reader see it."""
    mask = decision.masked.get(field)
    if mask is None:
        return FieldValue(FieldState.VALUE, plain)
    return FieldValue(FieldState.MASKED, mask.apply(plain), masked_why(policy, role, field, mask))


ERASED = FieldValue(FieldState.ERASED, None, "the patient's data was erased")


def opened(
    key: SubjectKey | None,
    organisation: str,
    subject: str,
    binding: str,
    blob: bytes | None,
) -> str | None:
    """The plaintext of one sealed value, or None if there is none; ``key`` None means the
    subject was erased (the caller shows ``ERASED``)."""
    if blob is None or key is None:
        return None
    return unseal(key, organisation, subject, binding, bytes(blob))

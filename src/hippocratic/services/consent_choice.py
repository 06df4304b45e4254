"""What makes a choice about consent a valid record, and who may record it.

A record is refused, and nothing stored, unless it is a valid consent record: for a purpose
that rests on consent, affirmative, unticked, on its own, in the policy's current words for the
purpose, under the notice in force, on the channels the purpose is asked by, and, when staff
record it for the patient, with evidence (``domain.consent``). A soft opt-in needs a policy
that allows it and a service that reveals nothing about health.

Who may record: staff whose role works under the purpose may record a patient's yes; any
member of staff may record a no or a withdrawal, because withdrawing must be as easy as giving
(Art. 7(3)).
"""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.domain.consent import ConsentKind, Presentation, refusal
from hippocratic.errors import CONSENT_REFUSALS, ConsentWordingMismatch, InputError
from hippocratic.guard.compiled_policy import CompiledPolicy, soft_opt_in_allowed
from hippocratic.guard.decision import SELF_ROLE, Decision, self_actor
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import Purpose
from hippocratic.services.actor import Actor
from hippocratic.storage.consent import NO_CHANNEL

PATIENT_ROLE = SELF_ROLE


def patient_actor(organisation: str, subject: str, request_id: str | None = None) -> Actor:
    """The patient ``subject`` acting for themselves (the portal, an unsubscribe link)."""
    return Actor(organisation, self_actor(subject), SELF_ROLE, request_id)


@dataclass(frozen=True)
class ConsentChoice:
    """One person's choice about one purpose, as it was put to them."""

    purpose: str
    kind: ConsentKind
    method: str
    presentation: Presentation
    wording: str | None = None
    """The words shown. Required for a yes; a no is recorded against the words in force."""
    channels: tuple[str, ...] = ()
    """For a purpose asked per channel. A withdrawal naming none covers every channel."""
    evidence: str | None = None
    notice_version: str | None = None
    """The notice the form showed; refused if it is not the one in force."""
    service: str | None = None
    """A soft opt-in's service, bought or discussed when the opt-out was offered."""


class ConsentRules:
    """The checks of one actor's role in one organisation's policy."""

    def __init__(self, policy: Policy, compiled: CompiledPolicy, actor: Actor) -> None:
        self.policy = policy
        self.compiled = compiled
        self.role = actor.role
        self.actor = actor.actor

    def purpose(self, key: str) -> Purpose:
        purpose = next((p for p in self.policy.purposes if p.key == key), None)
        if purpose is None:
            raise InputError(f"no purpose {key!r} in the policy", field="purpose")
        if not purpose.consent_required or purpose.consent is None:
            raise InputError(
                f"“{purpose.title}” does not rest on consent "
                f"({purpose.lawful_basis.value.replace('_', ' ')}): there is nothing to agree "
                "to or withdraw; an objection is a rights request",
                field="purpose",
            )
        return purpose

    def channels(self, purpose: Purpose, choice: ConsentChoice) -> tuple[str, ...]:
        offered = tuple(purpose.consent.channels) if purpose.consent else ()
        if not offered:
            if choice.channels:
                raise InputError(f"“{purpose.title}” is not asked per channel", field="channels")
            return (NO_CHANNEL,)
        unknown = [c for c in choice.channels if c not in offered]
        if unknown:
            raise InputError(
                f"“{purpose.title}” is asked by {', '.join(offered)} only, not {unknown[0]}",
                field="channels",
            )
        if not choice.channels:
            if choice.kind is ConsentKind.WITHDRAWN:
                return offered
            raise InputError(
                f"say which channels the patient agreed to: {', '.join(offered)}",
                field="channels",
            )
        return tuple(dict.fromkeys(choice.channels))

    def wording(self, purpose: Purpose, choice: ConsentChoice) -> str:
        current = purpose.consent.wording if purpose.consent else ""
        if choice.kind.gives:
            shown = " ".join((choice.wording or "").split())
            if shown != " ".join(current.split()):
                raise ConsentWordingMismatch(
                    f"the words shown are not the policy's words for “{purpose.title}” now",
                    field="wording",
                    hint=f"show and record exactly: {current}",
                )
        if (
            choice.notice_version is not None
            and choice.notice_version != self.policy.notice.version
        ):
            raise InputError(
                f"the form showed notice version {choice.notice_version!r}; the notice in "
                f"force is {self.policy.notice.version!r}: show the current notice",
                field="notice_version",
            )
        return current

    def check(self, choice: ConsentChoice) -> None:
        found = refusal(choice.kind, choice.method, choice.presentation, choice.evidence)
        if found is not None:
            raise CONSENT_REFUSALS.get(found.code, CONSENT_REFUSALS["consent.invalid"])(
                found.message, field="method" if "method" in found.code else None
            )
        if choice.kind is ConsentKind.SOFT_OPT_IN:
            self._soft_opt_in(choice)
        elif choice.service is not None:
            raise InputError("only a soft opt-in records a service", field="service")

    def _soft_opt_in(self, choice: ConsentChoice) -> None:
        if not soft_opt_in_allowed(self.policy, choice.purpose):
            raise InputError(
                f"{self.policy.organisation.display_name}'s policy asks for an opt-in to "
                "marketing: a soft opt-in does not count here",
                field="kind",
            )
        service = next((s for s in self.policy.services if s.key == choice.service), None)
        if service is None:
            raise InputError("name the service bought or discussed", field="service")
        if service.health_revealing:
            raise InputError(
                f"“{service.title}” reveals something about the patient's health, and marketing "
                "may never use health data: a soft opt-in cannot rest on it",
                field="service",
            )

    def authority(
        self, purpose: str, kind: ConsentKind, subject: str, form: str | None = None
    ) -> Decision:
        """May this actor record this choice? Decided here, audited by ``record``. Whoever
        takes a policy form that asks for a purpose records the answer given on it."""
        asked = self.policy.form_by_key.get(form or "")
        if asked is not None and purpose in asked.purposes and self.role in self.compiled.roles:
            return Decision(True, (f"consent:{purpose}/{kind.value}", f"form:{asked.key}"))
        if self.role == PATIENT_ROLE:
            if self.actor == f"patient:{subject}":
                return Decision(True, (f"consent:{purpose}/{kind.value}", "consent:own-choice"))
            return Decision(
                False, ("consent:own-choice",), reasons=("a patient records only their own",)
            )
        role = self.compiled.roles.get(self.role)
        if role is None:
            return Decision(False, (f"role:{self.role}",), reasons=("no such role",))
        if kind is ConsentKind.WITHDRAWN:
            return Decision(True, (f"consent:{purpose}/{kind.value}", "consent:withdraw/any-staff"))
        if purpose in role.purposes:
            return Decision(
                True,
                (f"consent:{purpose}/{kind.value}", f"role:{self.role}/purpose:{purpose}"),
            )
        reason = (
            f"{self.compiled.title('role', self.role)} staff do not work under "
            f"“{self.compiled.title('purpose', purpose)}”, so they cannot record a patient's "
            "agreement to it (any member of staff can record a withdrawal)"
        )
        return Decision(
            False,
            (f"role:{self.role}/purpose:{purpose}", "consent:record"),
            reasons=(reason,),
        )

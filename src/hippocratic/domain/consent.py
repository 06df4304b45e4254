"""What a valid consent is (UK GDPR Art. 4(11), Art. 7; PECR reg. 22): pure rules, no I/O.

Consent is a freely given, specific, informed and unambiguous indication by a clear
affirmative action. So a record of it says how it was given (``ConsentMethod``), how the
question was put (``Presentation``), in which words (their SHA-256), and who recorded it; and
``refusal`` names what makes a submission no consent at all: a pre-ticked box, a choice bundled
with something else, silence, browsing, or a staff record with no evidence behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256

from hippocratic.domain.calendar import add_months


class ConsentKind(StrEnum):
    GRANTED = "granted"
    """An opt-in: the person said yes."""
    WITHDRAWN = "withdrawn"
    """A no, an opt-out or a withdrawal; for marketing it also keeps the suppression entry."""
    SOFT_OPT_IN = "soft_opt_in"
    """PECR reg. 22(3): an existing customer, offered the opt-out at the sale, who did not take
    it; marketing only, similar services only, and only where the policy allows it."""

    @property
    def gives(self) -> bool:
        return self is not ConsentKind.WITHDRAWN


class ConsentMethod(StrEnum):
    """How the person told us. The first group is self-service; the rest are recorded by staff
    on the person's behalf and need evidence (a form reference, a call, a letter)."""

    WEB_FORM = "web_form"
    PORTAL = "portal"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    COOKIE_BANNER = "cookie_banner"
    IN_PERSON = "in_person"
    PHONE = "phone"
    PAPER_FORM = "paper_form"
    EMAIL = "email"
    LETTER = "letter"
    SMS_REPLY = "sms_reply"

    @property
    def self_service(self) -> bool:
        return self in _SELF_SERVICE


_SELF_SERVICE = frozenset(
    {
        ConsentMethod.WEB_FORM,
        ConsentMethod.PORTAL,
        ConsentMethod.UNSUBSCRIBE_LINK,
        ConsentMethod.COOKIE_BANNER,
    }
)

NOT_AFFIRMATIVE = frozenset(
    {"implied", "browsing", "continued_use", "silence", "inactivity", "terms_acceptance"}
)
"""Ways of 'consenting' that are not a clear affirmative action (Recital 32; S1-04)."""


class Control(StrEnum):
    """What the person acted on."""

    CHECKBOX = "checkbox"
    BUTTON = "button"
    SIGNATURE = "signature"
    SPOKEN = "spoken"
    WRITTEN = "written"
    LINK = "link"


@dataclass(frozen=True)
class Presentation:
    """How the question was put: the control, whether it started ticked, and whether it stood
    on its own or was tied to something else (the terms, a booking, another purpose)."""

    control: Control
    pre_ticked: bool = False
    separate: bool = True

    def describe(self) -> str:
        start = "pre-ticked" if self.pre_ticked else "unticked"
        alone = "on its own" if self.separate else "bundled with other terms"
        if self.control is Control.CHECKBOX:
            return f"{start} checkbox, {alone}"
        return f"{self.control.value}, {alone}"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def refusal(
    kind: ConsentKind, method: str, presentation: Presentation, evidence: str | None
) -> Refusal | None:
    """Why this submission is not a valid record, or None. Withdrawals need no affirmation
    beyond being asked for (Art. 7(3)): only a staff record of one still needs its evidence."""
    if method in NOT_AFFIRMATIVE:
        return Refusal(
            "consent.not_affirmative",
            f"“{method}” is not consent: consent is a clear yes the person gives, never implied "
            "by browsing, silence or accepting terms",
        )
    try:
        known = ConsentMethod(method)
    except ValueError:
        return Refusal("consent.method", f"no consent method {method!r}")
    if kind.gives and presentation.pre_ticked:
        return Refusal(
            "consent.pre_ticked",
            "a pre-ticked box is not consent: the person must tick it themselves",
        )
    if kind.gives and not presentation.separate:
        return Refusal(
            "consent.bundled",
            "consent tied to other terms is not freely given: ask for it on its own",
        )
    if not known.self_service and not (evidence or "").strip():
        return Refusal(
            "consent.evidence",
            f"say what shows the patient's choice ({known.value.replace('_', ' ')}): "
            "a form reference, the call, the letter",
        )
    return None


def text_sha256(text: str) -> str:
    """The SHA-256 (hex) of the exact words shown, as UTF-8."""
    return sha256(text.encode("utf-8")).hexdigest()


def soft_terms(terms: str) -> str:
    """The terms a soft opt-in stands on: those of the purpose, marked as not an opt-in, so
    that turning soft opt-in off in the policy leaves every soft opt-in unable to count."""
    return sha256(b"soft-opt-in\x1f" + terms.encode("ascii")).hexdigest()


def lapses_at(given: datetime, years: int = 0, months: int = 0, days: int = 0) -> datetime:
    """When a consent given at ``given`` lapses after the period; a day that does not exist
    (31 January + 1 month) is the month's last, so consent never outlives its period."""
    day, _ = add_months(given.date(), years * 12 + months)
    return datetime.combine(day, given.timetz()) + timedelta(days=days)

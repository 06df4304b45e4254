"""Telling a patient about data obtained from someone else (UK GDPR Art. 14(3)).

The earliest of: one month after obtaining the data (counted as the ICO counts a month, day of
obtaining as day 1; no working-day roll-forward, since the Article says "at the latest"), the
first communication with the patient, and the first disclosure to another recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hippocratic.domain.calendar import long_date, months_later
from hippocratic.domain.legal_source import SOURCES, LegalSource
from hippocratic.errors import InputError

ONE_MONTH = "one month after obtaining the data (Art. 14(3)(a))"
FIRST_CONTACT = "the first communication with the patient (Art. 14(3)(b))"
FIRST_DISCLOSURE = "the first disclosure to another recipient (Art. 14(3)(c))"


@dataclass(frozen=True)
class Art14Deadline:
    obtained: date
    due: date
    reason: str
    """Which of the three limbs comes first."""
    steps: list[str]
    source: LegalSource = SOURCES["uk_gdpr_art_14_3"]


def art14_deadline(
    obtained: date, *, first_contact: date | None = None, first_disclosure: date | None = None
) -> Art14Deadline:
    """The day by which the patient must have been told, with the limb that sets it."""
    steps = [f"obtained {long_date(obtained)} (day 1)"]
    month = months_later(obtained, 1, steps, "one month")
    candidates = [(month, ONE_MONTH)]
    for when, why, name in (
        (first_contact, FIRST_CONTACT, "first_contact"),
        (first_disclosure, FIRST_DISCLOSURE, "first_disclosure"),
    ):
        if when is None:
            continue
        if when < obtained:
            raise InputError(
                f"{name.replace('_', ' ')} ({when}) cannot be before the data was obtained "
                f"({obtained})",
                field=name,
            )
        steps.append(f"{why}: {long_date(when)}")
        candidates.append((when, why))
    due, reason = min(candidates, key=lambda candidate: candidate[0])
    steps.append(f"whichever comes first: tell the patient by {long_date(due)}")
    return Art14Deadline(obtained, due, reason, steps)

"""Telling a patient about data obtained from someone else (UK GDPR Art. 14(3)), and
acknowledging a complaint made to the controller (DPA 2018 s.164A)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hippocratic.domain.calendar import add_months, long_date
from hippocratic.errors import InputError

ART_14_SOURCE = "UK GDPR Art. 14(3)(a)-(c)"
COMPLAINT_SOURCE = "DPA 2018 s.164A(2), inserted by the Data (Use and Access) Act 2025 s.103"
COMPLAINTS_IN_FORCE = date(2026, 6, 19)


@dataclass(frozen=True)
class NoticeDeadline:
    due: date
    reason: str
    steps: list[str]
    source: str
    statutory: bool = True


def art14_deadline(
    obtained: date, *, first_contact: date | None = None, first_disclosure: date | None = None
) -> NoticeDeadline:
    """The earliest of: one month after obtaining the data, the first communication with the
    patient, and the first disclosure to another recipient."""
    month, clamped = add_months(obtained, 1)
    steps = [f"obtained {long_date(obtained)}"]
    steps.append(
        f"one month later: {long_date(month)}"
        + (" (no corresponding date: last day of the month)" if clamped else "")
    )
    candidates = [(month, "one month after obtaining the data (Art. 14(3)(a))")]
    for when, why, name in (
        (
            first_contact,
            "the first communication with the patient (Art. 14(3)(b))",
            "first_contact",
        ),
        (
            first_disclosure,
            "the first disclosure to another recipient (Art. 14(3)(c))",
            "first_disclosure",
        ),
    ):
        if when is None:
            continue
        if when < obtained:
            raise InputError(f"{name} cannot be before the data was obtained", field=name)
        steps.append(f"{why}: {long_date(when)}")
        candidates.append((when, why))
    due, reason = min(candidates, key=lambda candidate: candidate[0])
    steps.append(f"whichever is first: tell the patient by {long_date(due)}")
    return NoticeDeadline(due, reason, steps, ART_14_SOURCE)


def complaint_acknowledgement(received: date) -> NoticeDeadline:
    """'Within the period of 30 days beginning when the complaint is received': day 1 is the
    day of receipt, so the last day is 29 days later, whatever day of the week it is."""
    due = received + timedelta(days=29)
    steps = [f"complaint received {long_date(received)} (day 1)", f"day 30: {long_date(due)}"]
    statutory = received >= COMPLAINTS_IN_FORCE
    if not statutory:
        steps.append(
            "received before 19 June 2026: s.164A did not yet apply; 30 days is good practice"
        )
    steps.append(f"acknowledge by {long_date(due)}")
    return NoticeDeadline(due, "acknowledgement of receipt", steps, COMPLAINT_SOURCE, statutory)

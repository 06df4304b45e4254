"""Acknowledging a complaint made to the controller (DPA 2018 s.164A(2), from 19 June 2026).

"Within the period of 30 days beginning when the complaint is received": the day of receipt is
day 1, so the last day is 29 days later, whatever day of the week it is (the statute has no
working-day roll-forward).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hippocratic.domain.calendar import long_date
from hippocratic.domain.legal_source import SOURCES, LegalSource

COMPLAINTS_IN_FORCE = date(2026, 6, 19)
ACKNOWLEDGEMENT_DAYS = 30


@dataclass(frozen=True)
class ComplaintDeadline:
    received: date
    due: date
    statutory: bool
    """False before 19 June 2026, when s.164A did not yet apply."""
    steps: list[str]
    source: LegalSource = SOURCES["dpa_2018_s164a"]


def complaint_deadline(received: date) -> ComplaintDeadline:
    """The last day to acknowledge receipt of a complaint, with the reasoning."""
    due = received + timedelta(days=ACKNOWLEDGEMENT_DAYS - 1)
    steps = [
        f"complaint received {long_date(received)} (day 1)",
        f"day {ACKNOWLEDGEMENT_DAYS}: {long_date(due)} (no roll-forward for weekends)",
    ]
    statutory = received >= COMPLAINTS_IN_FORCE
    if not statutory:
        steps.append(
            "received before 19 June 2026: s.164A did not yet apply; 30 days is good practice"
        )
    steps.append(f"acknowledge by {long_date(due)}")
    return ComplaintDeadline(received, due, statutory, steps)

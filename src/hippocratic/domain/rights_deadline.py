"""When a data-subject rights request must be answered (UK GDPR Arts. 12(3) and 12A).

How the ICO counts: the day the request (or the identity evidence, or a properly charged fee) is
received is day 1, whether or not it is a working day; the time limit ends on the corresponding
calendar date of the next month, or that month's last day if it has no such date; if that day is
a weekend or an England and Wales bank holiday, the next working day. An extension for complex or
numerous requests runs three months from the same start, and the requester must be told of it,
with reasons, within the first month.

Stop-the-clock (Art. 12A, for requests received from 5 February 2026): while the controller
waits for information it reasonably requires, "the period beginning with the day on which the
controller makes the request and ending with the day on which the controller receives the
information does not count". A pause from START to END therefore removes END - START + 1 days,
both boundary days included, and the due date moves out by that many calendar days before the
working-day roll-forward. Overlapping pauses are counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hippocratic.domain.calendar import add_months, long_date, roll_forward
from hippocratic.errors import InputError

ART_12A_IN_FORCE = date(2026, 2, 5)
SOURCE = (
    "UK GDPR Art. 12(3) and Art. 12A (Data (Use and Access) Act 2025 s.76, in force "
    "5 February 2026); ICO guidance on the right of access (time limits)"
)


class Right(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED_DECISION_REVIEW = "automated_decision_review"


@dataclass(frozen=True)
class Pause:
    """Waiting for identity evidence, information or clarification: both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                f"a pause cannot end ({self.end}) before it starts ({self.start})",
                field="pause",
                hint="give pauses as START..END with START on or before END",
            )


@dataclass(frozen=True)
class RightsDeadline:
    right: Right
    received: date
    starts: date
    """The 'relevant time': the latest of receipt, identity evidence and fee."""
    due: date
    extended: bool
    extension_notice_by: date | None
    """With an extension: the date by which the requester must be told of it and why."""
    paused_days: int
    steps: list[str]
    source: str = SOURCE


def _one_month(start: date, months: int, steps: list[str]) -> date:
    target, clamped = add_months(start, months)
    if clamped:
        missing = f"{start.day} {target.strftime('%b')}"
        steps.append(f"{missing} does not exist → {target.day} {target.strftime('%b')}")
    else:
        steps.append(f"corresponding date: {long_date(target)}")
    return target


def _merged_days(pauses: Sequence[Pause]) -> list[Pause]:
    merged: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        if merged and pause.start <= merged[-1].end + timedelta(days=1):
            last = merged.pop()
            merged.append(Pause(last.start, max(last.end, pause.end)))
        else:
            merged.append(pause)
    return merged


def rights_deadline(
    received: date,
    *,
    right: Right = Right.ACCESS,
    pauses: Sequence[Pause] = (),
    extended: bool = False,
    identity_received: date | None = None,
    fee_received: date | None = None,
) -> RightsDeadline:
    """The date a rights request must be answered by, with the reasoning step by step."""
    steps = [f"request received {long_date(received)} (day 1)"]
    starts = received
    for label, when in (("identity evidence", identity_received), ("fee", fee_received)):
        if when is None:
            continue
        if when < received:
            raise InputError(f"the {label} cannot arrive before the request", field=label)
        if when > starts:
            starts = when
            steps.append(f"{label} received {long_date(when)}: the clock starts then (Art. 12A)")
    if pauses and received < ART_12A_IN_FORCE:
        raise InputError(
            "stop-the-clock pauses apply only to requests received from 5 February 2026",
            field="pause",
            hint="Art. 12A (DUAA 2025 s.76) commenced on 5 February 2026",
        )
    merged = _merged_days(pauses)
    for pause in merged:
        if pause.start < starts:
            raise InputError(
                f"a pause cannot start ({pause.start}) before the clock starts ({starts})",
                field="pause",
            )
    paused = sum((p.end - p.start).days + 1 for p in merged)

    def finish(months: int) -> date:
        target = _one_month(starts, months, steps)
        if paused:
            target += timedelta(days=paused)
            steps.append(f"+ {paused} paused day(s) → {long_date(target)}")
        rolled, skipped = roll_forward(target)
        steps.extend(skipped)
        if skipped:
            steps.append(f"next working day: {long_date(rolled)}")
        return rolled

    base = finish(1)
    if not extended:
        steps.append(f"due {long_date(base)}")
        return RightsDeadline(right, received, starts, base, False, None, paused, steps)
    steps.append(f"the requester must be told of the extension, and why, by {long_date(base)}")
    steps.append("extension for a complex or numerous request: three months from the start")
    due = finish(3)
    steps.append(f"due {long_date(due)}")
    return RightsDeadline(right, received, starts, due, True, base, paused, steps)

"""When a data-subject rights request must be answered (UK GDPR Arts. 12(3) and 12A).

How the ICO counts: the day the request (or the identity evidence, or a properly charged fee) is
received is day 1, whether or not it is a working day; the time limit ends on the corresponding
calendar date of the next month, or that month's last day if it has no such date; if that day is
a weekend or an England and Wales bank holiday, the next working day. An extension for complex or
numerous requests runs three months from the same start, and the requester must be told of it,
with reasons, within the first month. One engine serves every right with this clock.

Identity evidence and fees move the start ("the relevant time" is the latest of the three). A
request for clarification or further information is a pause (Art. 12A, for requests received
from 5 February 2026): "the period beginning with the day on which the controller makes the
request and ending with the day on which the controller receives the information does not
count". A pause from START to END removes END - START + 1 days, both boundary days included;
overlapping pauses count once, and a pause that begins after the time limit has run out does not
count. Paused days move the end date out before the working-day roll-forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from hippocratic.domain.calendar import long_date, months_later, roll_forward, short_date
from hippocratic.domain.legal_source import SOURCES, LegalSource
from hippocratic.errors import InputError
from hippocratic.policy.settings import RightName

ART_12A_IN_FORCE = date(2026, 2, 5)
TimedRight = Literal[
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "automated_decision_review",
    "information",
]
"""The rights answered under the Art. 12(3) clock, as the command line offers them."""
TIMED_RIGHTS = frozenset(RightName(name) for name in get_args(TimedRight))
"""Every right but withdrawing consent (at once) and complaints (their own clock, s.164A). A
question about one's data (Art. 12(1), "information") is not a request under Arts. 15-22, but
it is answered on the same clock, as the ICO expects of any request for information."""
RIGHTS_SOURCES = (
    SOURCES["ico_time_limits"],
    SOURCES["uk_gdpr_art_12a"],
    SOURCES["england_wales_bank_holidays"],
)


@dataclass(frozen=True)
class Pause:
    """Waiting for information or clarification: both boundary days are paused."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                f"a pause cannot end ({self.end}) before it starts ({self.start})",
                field="pause",
                hint="give pauses as START..END with START on or before END",
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class RightsDeadline:
    right: RightName
    received: date
    starts: date
    """The 'relevant time': the latest of receipt, identity evidence and fee."""
    corresponding: date
    """The one-month date before pauses and the working-day roll-forward; with an extension
    still the end of the first month (the notice's), not of the three."""
    due: date
    extended: bool
    extension_notice_by: date | None
    """With an extension: the last day to tell the requester of it and why."""
    paused_days: int
    """Paused days that moved the due date."""
    pauses: tuple[Pause, ...]
    steps: list[str]
    sources: tuple[LegalSource, ...] = RIGHTS_SOURCES


def merge_pauses(pauses: Sequence[Pause]) -> tuple[Pause, ...]:
    """Overlapping or touching pauses become one, so no day is counted twice."""
    merged: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        if merged and pause.start <= merged[-1].end + timedelta(days=1):
            last = merged.pop()
            merged.append(Pause(last.start, max(last.end, pause.end)))
        else:
            merged.append(pause)
    return tuple(merged)


def _paused(
    limit: date, pauses: tuple[Pause, ...], steps: list[str], roll: bool, period: str = ""
) -> tuple[date, int]:
    """Move ``limit`` out by each pause that begins while the clock is still running.

    ``period`` labels the steps where one request has two periods (the extension notice's and
    the response's), so that each pause reads twice only with its reason."""
    label = f" ({period})" if period else ""
    counted = 0
    for pause in pauses:
        last_day = roll_forward(limit)[0] if roll else limit
        span = f"{short_date(pause.start)} to {short_date(pause.end)}"
        if pause.start > last_day:
            steps.append(
                f"pause {span} began after the time limit ran out: it does not count{label}"
            )
            continue
        limit += timedelta(days=pause.days)
        counted += pause.days
        steps.append(
            f"+ {pause.days} paused day(s), {span}, both included → {long_date(limit)}{label}"
        )
    return limit, counted


def _start(
    received: date, identity_received: date | None, fee_received: date | None, steps: list[str]
) -> date:
    starts = received
    for label, when in (("identity evidence", identity_received), ("fee", fee_received)):
        if when is None:
            continue
        if when < received:
            raise InputError(
                f"the {label} ({when}) cannot arrive before the request ({received})",
                field=label.replace(" ", "_"),
            )
        if when > starts:
            starts = when
            steps.append(f"{label} received {long_date(when)}: the clock starts then (day 1)")
    return starts


def rights_deadline(
    received: date,
    *,
    right: RightName = RightName.ACCESS,
    pauses: Sequence[Pause] = (),
    extended: bool = False,
    identity_received: date | None = None,
    fee_received: date | None = None,
) -> RightsDeadline:
    """The date a rights request must be answered by, with the reasoning step by step."""
    if right not in TIMED_RIGHTS:
        raise InputError(
            f"`{right}` is not answered under the Art. 12(3) clock",
            field="right",
            hint="complaints: `hippocratic deadline complaint`; consent is withdrawn at once",
        )
    steps = [f"{right} request received {long_date(received)} (day 1, working day or not)"]
    starts = _start(received, identity_received, fee_received, steps)
    merged = merge_pauses(pauses)
    if merged and received < ART_12A_IN_FORCE:
        raise InputError(
            "stop-the-clock pauses apply only to requests received from 5 February 2026",
            field="pause",
            hint="Art. 12A (DUAA 2025 s.76) commenced on 5 February 2026",
        )
    for pause in merged:
        if pause.start < starts:
            raise InputError(
                f"a pause cannot start ({pause.start}) before the clock starts ({starts})",
                field="pause",
            )

    if not extended:
        corresponding, due, paused = _one_period(starts, 1, merged, steps)
        steps.append(f"due {long_date(due)}")
        return RightsDeadline(
            right, received, starts, corresponding, due, False, None, paused, merged, steps
        )
    steps.append("the requester must be told of the extension, and why, within the first month")
    corresponding = months_later(starts, 1, steps, "corresponding date (notice period)")
    notice_by, _ = _paused(corresponding, merged, steps, roll=False, period="notice period")
    steps.append(
        f"tell them by {long_date(notice_by)}: the end of the first month, not rolled forward "
        "to a working day"
    )
    steps.append("extension for a complex or numerous request: three months from the start")
    _, due, paused = _one_period(starts, 3, merged, steps, "response period")
    steps.append(f"due {long_date(due)}")
    return RightsDeadline(
        right, received, starts, corresponding, due, True, notice_by, paused, merged, steps
    )


def _one_period(
    starts: date, months: int, pauses: tuple[Pause, ...], steps: list[str], period: str = ""
) -> tuple[date, date, int]:
    """The corresponding date, the due date after pauses and roll-forward, and the paused days."""
    found = f"corresponding date ({period})" if period else "corresponding date"
    corresponding = months_later(starts, months, steps, found)
    target, paused = _paused(corresponding, pauses, steps, roll=True, period=period)
    due, skipped = roll_forward(target)
    steps.extend(skipped)
    if skipped:
        steps.append(f"next working day: {long_date(due)}")
    return corresponding, due, paused

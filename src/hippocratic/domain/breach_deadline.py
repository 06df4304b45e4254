"""The 72-hour clock for reporting a personal data breach to the ICO (UK GDPR Art. 33(1)).

Seventy-two hours of elapsed time from the moment the controller became aware, counted in UTC
so that the March and October clock changes neither add nor remove an hour; shown in
Europe/London. A report after the deadline must give reasons for the delay (Art. 33(1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hippocratic.domain.legal_source import SOURCES, LegalSource
from hippocratic.errors import InputError

LONDON = ZoneInfo("Europe/London")
REPORTING_WINDOW = timedelta(hours=72)


class BreachClockState(StrEnum):
    RUNNING = "running"
    REPORTED_IN_TIME = "reported in time"
    LATE = "late: reasons for the delay required"


@dataclass(frozen=True)
class BreachDeadline:
    aware_at: datetime
    deadline: datetime
    """In Europe/London."""
    state: BreachClockState
    remaining: timedelta | None
    """Time left while the clock runs; None once reported or late."""
    steps: list[str]
    source: LegalSource = SOURCES["uk_gdpr_art_33"]


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            f"{name} {value.isoformat()} has no time zone",
            field=name,
            hint="give an offset, e.g. 2026-03-28T09:30+00:00 or 2026-07-01T09:30+01:00",
        )
    return value


def london(value: datetime) -> str:
    return value.astimezone(LONDON).strftime("%A %-d %B %Y %H:%M %Z")


def breach_deadline(
    aware_at: datetime, *, now: datetime, reported_at: datetime | None = None
) -> BreachDeadline:
    """The ICO deadline for a breach the controller became aware of at ``aware_at``, and where
    the clock stands at ``now`` (or at ``reported_at``, once reported)."""
    aware = _aware(aware_at, "aware_at").astimezone(UTC)
    current = _aware(now, "now").astimezone(UTC)
    if current < aware:
        raise InputError(
            f"now ({now.isoformat()}) is before the moment of awareness ({aware_at.isoformat()})",
            field="now",
        )
    deadline = (aware + REPORTING_WINDOW).astimezone(LONDON)
    steps = [
        f"aware at {london(aware)}",
        "+ 72 hours of elapsed time (weekends, bank holidays and clock changes included)",
        f"report to the ICO by {london(deadline)}",
    ]
    if reported_at is not None:
        reported = _aware(reported_at, "reported_at").astimezone(UTC)
        if reported < aware:
            raise InputError(
                "a breach cannot be reported before anyone was aware of it", field="reported_at"
            )
        on_time = reported <= deadline
        state = BreachClockState.REPORTED_IN_TIME if on_time else BreachClockState.LATE
        steps.append(f"reported at {london(reported)}: {state}")
        return BreachDeadline(aware_at, deadline, state, None, steps)
    if current > deadline:
        steps.append(f"not reported by {london(current)}: {BreachClockState.LATE}")
        return BreachDeadline(aware_at, deadline, BreachClockState.LATE, None, steps)
    remaining = deadline - current
    steps.append(f"{_hours(remaining)} left at {london(current)}")
    return BreachDeadline(aware_at, deadline, BreachClockState.RUNNING, remaining, steps)


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"

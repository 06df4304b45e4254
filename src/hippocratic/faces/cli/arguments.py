"""Parsing dates, times and periods from the command line, with errors a person can act on."""

from __future__ import annotations

from datetime import date, datetime

from hippocratic.domain.rights_deadline import Pause
from hippocratic.errors import InputError


def parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{name}: {text!r} is not a date that exists",
            field=name,
            hint="use YYYY-MM-DD, e.g. 2026-09-03",
        ) from None


def parse_optional_date(text: str | None, name: str) -> date | None:
    """``parse_date`` for an option that may be left out."""
    return parse_date(text, name) if text is not None else None


def parse_datetime(text: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{name}: {text!r} is not a date and time",
            field=name,
            hint="use YYYY-MM-DDTHH:MM with an offset, e.g. 2026-10-24T09:30+01:00",
        ) from None


def parse_pause(text: str) -> Pause:
    start, separator, end = text.partition("..")
    if not separator:
        raise InputError(
            f"pause {text!r} is not START..END",
            field="pause",
            hint="e.g. --pause 2026-03-12..2026-03-14 (both days are paused)",
        )
    return Pause(parse_date(start, "pause start"), parse_date(end, "pause end"))

"""When is a record due, as a test a database can run: ``disposal`` turned inside out.

``retention_schedule.disposal`` says on which day one record may go. A sweep over a whole
store asks the opposite question for every record at once: is its day on or before ``as_of``?
Every end date the calculus computes is a non-decreasing function of one fact (a start date, a
date of birth, a date of death), so "end <= as_of" is the same as "fact <= the latest fact whose
end is on or before as_of". ``plan`` finds those latest facts (cutoffs) here, with the very
``add_period`` the calculus uses, so the database only compares stored dates with constants:
the two can never disagree about a 29 February or a month end, and the comparison uses indexes.

A ``DuePlan`` mirrors ``disposal`` step by step: the rule's own end, the NHS Code's minimum for
the record type as a floor, the adult floor where care went on into adulthood, the period after
death (a death never shortens retention), and the opt-out that ends marketing data. A record is
due when every part of its end is due, or (marketing data) when the person has opted out. A fact
the calculus needs but the record lacks makes it not due: nothing goes on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hippocratic.domain.retention_catalogue import CATALOGUE, Bound, CatalogueEntry, add_period
from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.retention import Period, RetentionRule, RetentionTrigger

__all__ = ["BirthdayPart", "DeathPart", "DuePlan", "FloorPart", "StartPart", "latest", "plan"]

ASSUMED_YEAR = Period(months=12)
"""Without a stated financial year end the calculus assumes the latest possible one."""


def latest(end: Callable[[date], date], as_of: date) -> date | None:
    """The latest day ``d`` with ``end(d) <= as_of`` (``end`` non-decreasing), None if none."""
    low, high = date(1800, 1, 1).toordinal(), as_of.toordinal()
    if end(date.fromordinal(low)) > as_of:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if end(date.fromordinal(middle)) <= as_of:
            low = middle
        else:
            high = middle - 1
    return date.fromordinal(low)


@dataclass(frozen=True)
class StartPart:
    """Due when the trigger's start date is on or before ``cutoff``. A record holds no financial
    year end of its own, so for that trigger ``collected_cutoff`` applies to the record's date
    instead: the last year end on or before ``cutoff`` where the organisation states its year
    end, else the latest date whose assumed year end (12 months on) is on or before it."""

    trigger: RetentionTrigger
    cutoff: date | None
    collected_cutoff: date | None = None


@dataclass(frozen=True)
class BirthdayPart:
    """Due when the date of birth is on or before ``cutoff`` (or ``cutoff_17`` where the
    patient was 17 when care ended), and care ended on or before ``care_cutoff`` if set."""

    cutoff: date | None
    cutoff_17: date | None
    has_17: bool
    care_cutoff: date | None
    has_duration: bool


@dataclass(frozen=True)
class FloorPart:
    """The adult minimum for a children's record whose care went on past 18."""

    cutoff: date | None


@dataclass(frozen=True)
class DeathPart:
    """Due when there is no date of death, or it is on or before ``cutoff``."""

    cutoff: date | None


Part = StartPart | BirthdayPart | FloorPart | DeathPart


@dataclass(frozen=True)
class DuePlan:
    rule: str
    as_of: date
    on_opt_out_only: bool
    """An ``opt_out`` rule: due once the person opted out, and only then."""
    ends_on_opt_out: bool
    """Marketing data: due on opt-out whatever else."""
    parts: tuple[Part, ...]


def _start_part(
    trigger: RetentionTrigger, duration: Period | None, as_of: date, year_end: YearEnd | None
) -> StartPart:
    if duration is None or trigger in (RetentionTrigger.OPT_OUT, RetentionTrigger.BIRTHDAY):
        return StartPart(trigger, None)
    cutoff = latest(lambda day: add_period(day, duration), as_of)
    collected = None
    if trigger is RetentionTrigger.FINANCIAL_YEAR_END:
        if year_end is not None:
            collected = year_end.last_on_or_before(cutoff) if cutoff else None
        else:
            collected = latest(
                lambda day: add_period(add_period(day, ASSUMED_YEAR), duration), as_of
            )
    return StartPart(trigger, cutoff, collected)


def _birthday_part(
    birthday: int | None, birthday_17: int | None, duration: Period | None, as_of: date
) -> BirthdayPart:
    target = birthday or 25
    cutoff = latest(lambda born: add_period(born, Period(years=target)), as_of)
    cutoff_17 = None
    if birthday_17:
        years = birthday_17
        cutoff_17 = latest(lambda born: add_period(born, Period(years=years)), as_of)
    care = latest(lambda day: add_period(day, duration), as_of) if duration else None
    return BirthdayPart(cutoff, cutoff_17, bool(birthday_17), care, duration is not None)


def _terms(
    trigger: RetentionTrigger,
    duration: Period | None,
    birthday: int | None,
    birthday_17: int | None,
    as_of: date,
    year_end: YearEnd | None,
) -> Part:
    if trigger is RetentionTrigger.BIRTHDAY:
        return _birthday_part(birthday, birthday_17, duration, as_of)
    return _start_part(trigger, duration, as_of, year_end)


def _entry_parts(
    entry: CatalogueEntry, rule: RetentionRule, as_of: date, year_end: YearEnd | None
) -> list[Part]:
    usable = rule.trigger if rule.trigger in entry.triggers else sorted(entry.triggers)[0]
    parts: list[Part] = [
        _terms(usable, entry.duration, entry.birthday, entry.birthday_if_17_at_end, as_of, year_end)
    ]
    adult = CATALOGUE.get(entry.adult_record_type or "")
    if adult is not None and adult.duration is not None:
        period = adult.duration
        parts.append(FloorPart(latest(lambda day: add_period(day, period), as_of)))
    return parts


def _latest_after(period: Period, as_of: date) -> date | None:
    return latest(lambda day: add_period(day, period), as_of)


def plan(rule: RetentionRule, as_of: date, year_end: YearEnd | None = None) -> DuePlan:
    """The test ``disposal(rule, facts).disposal_date <= as_of`` as cutoffs on the facts;
    ``year_end`` is the organisation's financial year end, where its policy states one."""
    entry = CATALOGUE.get(rule.record_type)
    ends = entry is not None and entry.ends_on_opt_out
    if rule.trigger is RetentionTrigger.OPT_OUT:
        return DuePlan(rule.key, as_of, True, ends, ())
    parts: list[Part] = [
        _terms(
            rule.trigger, rule.duration, rule.birthday, rule.birthday_if_17_at_end, as_of, year_end
        )
    ]
    if entry is not None and entry.bound is Bound.MINIMUM:
        parts.extend(_entry_parts(entry, rule, as_of, year_end))
    periods = [p for p in (rule.after_death, entry.after_death if entry else None) if p]
    if periods:
        cutoffs = [_latest_after(p, as_of) for p in periods]
        known = [c for c in cutoffs if c is not None]
        parts.append(DeathPart(min(known) if len(known) == len(cutoffs) else None))
    return DuePlan(rule.key, as_of, False, ends, tuple(parts))

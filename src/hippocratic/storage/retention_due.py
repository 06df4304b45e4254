"""A ``DuePlan`` (``domain.retention_due``) as one SQL condition over a record's facts, the same
on SQLite and PostgreSQL: only comparisons of stored dates with constants, and the age when care
ended from the calendar parts of two dates (exactly ``age_on``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Date, and_, case, extract, false, literal, or_, true
from sqlalchemy.sql.elements import ColumnElement as Expression

from hippocratic.domain.retention_due import (
    BirthdayPart,
    DeathPart,
    DuePlan,
    FloorPart,
    Part,
    StartPart,
)
from hippocratic.policy.retention import RetentionTrigger

__all__ = ["FactColumns", "care_ended", "due", "later_of"]

DateExpr = Expression[date]


@dataclass(frozen=True)
class FactColumns:
    """Where each fact of a record is, as SQL expressions (None: the store has no such fact)."""

    born: DateExpr | None = None
    last_seen: DateExpr | None = None
    end_of_treatment: DateExpr | None = None
    died: DateExpr | None = None
    collected: DateExpr | None = None
    last_interaction: DateExpr | None = None
    opted_out: DateExpr | None = None
    financial_year_end: DateExpr | None = None


def _day(value: date) -> DateExpr:
    return literal(value, Date)


def later_of(first: DateExpr | None, second: DateExpr | None) -> DateExpr | None:
    """The later of two nullable dates, ignoring a missing one (GREATEST, on both engines)."""
    if first is None or second is None:
        return first if second is None else second
    return case(
        (first.is_(None), second),
        (second.is_(None), first),
        (first > second, first),
        else_=second,
    )


def care_ended(facts: FactColumns) -> DateExpr | None:
    """The last day of care: the end of treatment or the last attendance, the later."""
    return later_of(facts.end_of_treatment, facts.last_seen)


def _on_or_before(value: DateExpr | None, cutoff: date | None) -> ColumnElement[bool]:
    if value is None or cutoff is None:
        return false()
    return and_(value.is_not(None), value <= _day(cutoff))


def _age(born: DateExpr, day: DateExpr) -> ColumnElement[int]:
    """Whole years of age on ``day``, as ``calendar.age_on`` reckons them."""
    before = (extract("month", day) * 100 + extract("day", day)) < (
        extract("month", born) * 100 + extract("day", born)
    )
    return extract("year", day) - extract("year", born) - case((before, 1), else_=0)


def _start(trigger: RetentionTrigger, facts: FactColumns) -> DateExpr | None:
    if trigger is RetentionTrigger.LAST_SEEN:
        return facts.last_seen
    if trigger is RetentionTrigger.END_OF_TREATMENT:
        return care_ended(facts)
    if trigger is RetentionTrigger.COLLECTION:
        return facts.collected
    if trigger is RetentionTrigger.LAST_INTERACTION:
        if facts.last_interaction is None:
            return facts.last_seen
        if facts.last_seen is None:
            return facts.last_interaction
        return case(
            (facts.last_interaction.is_not(None), facts.last_interaction), else_=facts.last_seen
        )
    if trigger is RetentionTrigger.DEATH:
        return facts.died
    if trigger is RetentionTrigger.FINANCIAL_YEAR_END:
        return facts.financial_year_end
    return None


def _part(part: Part, facts: FactColumns) -> ColumnElement[bool]:
    if isinstance(part, StartPart):
        stated = _on_or_before(_start(part.trigger, facts), part.cutoff)
        if part.trigger is not RetentionTrigger.FINANCIAL_YEAR_END:
            return stated
        assumed = _on_or_before(facts.collected, part.collected_cutoff)
        if facts.financial_year_end is None:
            return assumed
        return or_(stated, and_(facts.financial_year_end.is_(None), assumed))
    ended = care_ended(facts)
    if isinstance(part, BirthdayPart):
        if facts.born is None:
            return false()
        plain = _on_or_before(facts.born, part.cutoff)
        test = plain
        if part.has_17 and ended is not None:
            seventeen = and_(ended.is_not(None), _age(facts.born, ended) == 17)
            test = or_(
                and_(seventeen, _on_or_before(facts.born, part.cutoff_17)),
                and_(~seventeen, plain),
            )
        if part.has_duration and ended is not None:
            test = and_(test, or_(ended.is_(None), _on_or_before(ended, part.care_cutoff)))
        return test
    if isinstance(part, FloorPart):
        if facts.born is None or ended is None:
            return true()
        adult = and_(facts.born.is_not(None), ended.is_not(None), _age(facts.born, ended) >= 18)
        return or_(~adult, _on_or_before(ended, part.cutoff))
    assert isinstance(part, DeathPart)
    if facts.died is None:
        return true()
    return or_(facts.died.is_(None), _on_or_before(facts.died, part.cutoff))


def due(plan: DuePlan, facts: FactColumns) -> ColumnElement[bool]:
    """True where the record's disposal date under the plan's rule is on or before its as-of."""
    opted = _on_or_before(facts.opted_out, plan.as_of)
    if plan.on_opt_out_only:
        return opted
    parts = and_(*(_part(part, facts) for part in plan.parts))
    return or_(opted, parts) if plan.ends_on_opt_out else parts

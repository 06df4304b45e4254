"""The retention calculus: when may one record be disposed of, and what happens then.

Pure: the rule comes from the policy, the facts about the record are passed in, and nothing is
read from the clock. Periods are minimums (NHS Records Management Code of Practice, App. II):
- the clock starts at the rule's trigger (last seen, end of treatment, collection, ...);
- it restarts when the record comes back into use (the latest reuse date replaces the start);
- a death starts the clock again where the rule says so, and never shortens a longer period;
- children's records run to a birthday (25th, or 26th if 17 when treatment ended);
- a legal hold suspends disposal altogether; an opt-out rule runs until the opt-out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from hippocratic.domain.calendar import add_months, long_date
from hippocratic.domain.legal_source import MINIMUMS, SOURCES
from hippocratic.errors import InputError
from hippocratic.policy.retention import Period, RetentionAction, RetentionRule, RetentionTrigger
from hippocratic.policy.wording import period as wording_period

REFERENCE = date(2000, 1, 1)


class DisposalState(StrEnum):
    DUE = "due"
    """Disposal falls due on ``disposal_date``."""
    HELD = "not while held"
    ON_OPT_OUT = "on opt-out"


@dataclass(frozen=True)
class RecordFacts:
    born: date | None = None
    last_seen: date | None = None
    end_of_treatment: date | None = None
    died: date | None = None
    collected: date | None = None
    last_interaction: date | None = None
    opted_out: date | None = None
    reused: Sequence[date] = ()
    held: bool = False
    financial_year_end: date | None = None


@dataclass(frozen=True)
class RetentionOutcome:
    state: DisposalState
    disposal_date: date | None
    action: RetentionAction
    rule: str
    citation: str | None
    source: str | None
    source_verified: bool
    steps: list[str] = field(default_factory=list)


def add_period(start: date, period: Period) -> date:
    moved, _ = add_months(start, period.years * 12 + period.months)
    return moved + timedelta(days=period.days)


def _birthday(born: date, years: int) -> date:
    return add_months(born, years * 12)[0]


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _require(value: date | None, name: str, rule: RetentionRule) -> date:
    if value is None:
        raise InputError(
            f"rule `{rule.key}` ({rule.trigger}) needs the record's {name.replace('_', ' ')}",
            field=name,
        )
    return value


def _start(rule: RetentionRule, facts: RecordFacts, steps: list[str]) -> date:
    trigger = rule.trigger
    if trigger is RetentionTrigger.END_OF_TREATMENT:
        start = _require(facts.end_of_treatment or facts.last_seen, "end_of_treatment", rule)
    elif trigger is RetentionTrigger.COLLECTION:
        start = _require(facts.collected, "collected", rule)
    elif trigger is RetentionTrigger.LAST_INTERACTION:
        start = _require(facts.last_interaction or facts.last_seen, "last_interaction", rule)
    elif trigger is RetentionTrigger.DEATH:
        start = _require(facts.died, "died", rule)
    elif trigger is RetentionTrigger.FINANCIAL_YEAR_END:
        start = facts.financial_year_end or _year_end(
            _require(facts.collected or facts.last_seen, "collected", rule)
        )
    else:
        start = _require(facts.last_seen, "last_seen", rule)
    steps.append(f"clock starts at {trigger}: {long_date(start)}")
    return start


def _year_end(day: date) -> date:
    """Without a stated financial year, the UK tax year end (31 March) on or after ``day``."""
    end = date(day.year, 3, 31)
    return end if day <= end else date(day.year + 1, 3, 31)


def disposal(rule: RetentionRule, facts: RecordFacts) -> RetentionOutcome:
    steps: list[str] = []
    source = SOURCES.get(rule.source or "")

    def outcome(state: DisposalState, when: date | None) -> RetentionOutcome:
        return RetentionOutcome(
            state,
            when,
            rule.action,
            rule.key,
            rule.citation,
            rule.source,
            bool(source and source.verified),
            steps,
        )

    if facts.held:
        steps.append("a legal hold is in place: nothing is disposed of while it lasts")
        return outcome(DisposalState.HELD, None)
    if rule.trigger is RetentionTrigger.OPT_OUT:
        if facts.opted_out is None:
            steps.append("kept until the person opts out")
            return outcome(DisposalState.ON_OPT_OUT, None)
        steps.append(
            f"opted out {long_date(facts.opted_out)}: dispose then (keep a suppression entry)"
        )
        return outcome(DisposalState.DUE, facts.opted_out)
    if rule.trigger is RetentionTrigger.BIRTHDAY:
        when = _birthday_disposal(rule, facts, steps)
    else:
        start = _start(rule, facts, steps)
        if rule.restart_on_reuse and facts.reused:
            latest = max(facts.reused)
            if latest > start:
                start = latest
                steps.append(f"record came back into use: clock restarts {long_date(start)}")
        if rule.duration is None:
            raise InputError(f"rule `{rule.key}` has no duration", field="duration")
        when = add_period(start, rule.duration)
        steps.append(f"+ {_words(rule.duration)} → {long_date(when)}")
    if facts.died is not None and rule.after_death is not None:
        after = add_period(facts.died, rule.after_death)
        steps.append(
            f"died {long_date(facts.died)}; + {_words(rule.after_death)} → {long_date(after)}"
        )
        if after > when:
            when = after
            steps.append("the later date applies")
        else:
            steps.append("death does not shorten the period: the later date applies")
    steps.append(f"earliest disposal: {long_date(when)}, then {rule.action}")
    return outcome(DisposalState.DUE, when)


def _birthday_disposal(rule: RetentionRule, facts: RecordFacts, steps: list[str]) -> date:
    born = _require(facts.born, "born", rule)
    ended = max(
        [d for d in (facts.end_of_treatment, facts.last_seen, *facts.reused) if d], default=None
    )
    target = rule.birthday or 25
    if ended is not None and rule.birthday_if_17_at_end and _age_on(born, ended) == 17:
        target = rule.birthday_if_17_at_end
        steps.append(
            f"aged 17 when treatment ended ({long_date(ended)}): keep to the {target}th birthday"
        )
    when = _birthday(born, target)
    steps.append(f"born {long_date(born)}: {target}th birthday {long_date(when)}")
    if rule.duration is not None and ended is not None:
        floor = add_period(ended, rule.duration)
        if floor > when:
            when = floor
            steps.append(f"{_words(rule.duration)} after care ended is later: {long_date(when)}")
    return when


def _words(period: Period) -> str:
    return wording_period(period)


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    """A stable rule id: retention.below_minimum, retention.unknown_source, ..."""
    field: str
    message: str
    fix: str


def check_rule(rule: RetentionRule) -> list[RuleProblem]:
    """What is wrong with a retention rule against the law and the Code, for the validator."""
    problems: list[RuleProblem] = []
    if rule.source is not None and rule.source not in SOURCES:
        problems.append(
            RuleProblem(
                "retention.unknown_source",
                "source",
                f"unknown legal source `{rule.source}`",
                f"use one of: {', '.join(sorted(SOURCES))}",
            )
        )
    minimum = MINIMUMS.get(rule.record_type)
    if minimum is None:
        return problems
    if rule.trigger not in minimum.triggers:
        problems.append(
            RuleProblem(
                "retention.trigger",
                "trigger",
                f"{rule.record_type} runs from {' or '.join(sorted(minimum.triggers))}, "
                f"not {rule.trigger}",
                "use the trigger the Code sets for this record type",
            )
        )
        return problems
    code = SOURCES[minimum.source].citation
    if minimum.duration is not None:
        given = rule.duration or Period()
        shorter = add_period(REFERENCE, given) < add_period(REFERENCE, minimum.duration)
        longer = add_period(REFERENCE, given) > add_period(REFERENCE, minimum.duration)
        if shorter:
            problems.append(
                RuleProblem(
                    "retention.below_minimum",
                    "duration",
                    f"{_words(given)} is shorter than the {_words(minimum.duration)} minimum",
                    f"keep at least {_words(minimum.duration)} ({code})",
                )
            )
        elif longer and not rule.extension_justification:
            problems.append(
                RuleProblem(
                    "retention.extension_unjustified",
                    "extension_justification",
                    f"{_words(given)} is longer than the {_words(minimum.duration)} the Code sets",
                    "state why in `extension_justification:` or use the Code's period",
                )
            )
    if minimum.birthday is not None and (rule.birthday or 0) < minimum.birthday:
        problems.append(
            RuleProblem(
                "retention.below_minimum",
                "birthday",
                f"the {rule.birthday}th birthday is earlier than the Code's {minimum.birthday}th",
                f"set `birthday: {minimum.birthday}` ({code})",
            )
        )
    if minimum.birthday_if_17_at_end is not None and (
        (rule.birthday_if_17_at_end or 0) < minimum.birthday_if_17_at_end
    ):
        problems.append(
            RuleProblem(
                "retention.below_minimum",
                "birthday_if_17_at_end",
                "a patient aged 17 when treatment ended must be kept to the 26th birthday",
                f"set `birthday_if_17_at_end: {minimum.birthday_if_17_at_end}` ({code})",
            )
        )
    return problems

"""The retention calculus: when may one record be disposed of, and what happens then.

Pure: the rule comes from the policy, the facts about the record are passed in, and nothing is
read from the clock. Periods are minimums (NHS Records Management Code of Practice, App. II):
- the clock starts at the rule's trigger (last seen, end of treatment, collection, ...); the end
  of treatment is the latest known day of care, so a later last appointment is never hidden;
- it restarts when the record comes back into use (the latest day of use replaces the start);
- without a stated financial year end, the latest one possible is assumed (12 months after the
  record: an accounting period is at most 12 months) and the outcome says so, never verified;
- a death adds a period from the date of death where the rule or the Code has one, and the later
  date applies, so a death never shortens retention;
- children's records run to a birthday (25th, or 26th if 17 when treatment ended), and at least
  the adult period where care went on into adulthood;
- the catalogue's minimum for the record type is applied as a floor even if the rule is shorter;
- an adult rule applied to someone who was under 18 when care ended gives a warning step;
- marketing data goes on opt-out, whatever its period; a legal hold stops disposal altogether.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from hippocratic.domain.calendar import age_on, long_date
from hippocratic.domain.legal_source import SOURCES, LegalSource
from hippocratic.domain.retention_catalogue import (
    ADULT_AGE,
    CATALOGUE,
    Bound,
    CatalogueEntry,
    add_period,
)
from hippocratic.errors import InputError
from hippocratic.policy.retention import Period, RetentionAction, RetentionRule, RetentionTrigger
from hippocratic.policy.wording import ordinal
from hippocratic.policy.wording import period as period_words

__all__ = ["DisposalState", "RecordFacts", "RetentionOutcome", "disposal"]


class DisposalState(StrEnum):
    DUE = "due"
    """Disposal falls due on ``disposal_date``."""
    HELD = "not while held"
    ON_OPT_OUT = "on opt-out"


@dataclass(frozen=True)
class RecordFacts:
    """What is known about one record. Reuse dates are days the record was in use again; give
    the last day of each later period of use."""

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
    """True only if the rule's source is verified and no date had to be assumed."""
    legal_source: LegalSource | None = None
    steps: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    """Dates the calculus had to assume because they were not given (a financial year end)."""


@dataclass(frozen=True)
class _Terms:
    """The parts of a rule, or of a catalogue minimum, that fix an end date."""

    trigger: RetentionTrigger
    duration: Period | None
    birthday: int | None
    birthday_if_17_at_end: int | None
    restart_on_reuse: bool
    name: str


def _terms_of_rule(rule: RetentionRule) -> _Terms:
    return _Terms(
        rule.trigger,
        rule.duration,
        rule.birthday,
        rule.birthday_if_17_at_end,
        rule.restart_on_reuse,
        f"rule `{rule.key}`",
    )


def _terms_of_entry(entry: CatalogueEntry, trigger: RetentionTrigger) -> _Terms:
    usable = trigger if trigger in entry.triggers else sorted(entry.triggers)[0]
    return _Terms(
        usable,
        entry.duration,
        entry.birthday,
        entry.birthday_if_17_at_end,
        True,
        f"the {entry.record_type.replace('_', ' ')} minimum",
    )


def _check_facts(facts: RecordFacts) -> None:
    if facts.born is None:
        return
    named = {
        "last_seen": facts.last_seen,
        "end_of_treatment": facts.end_of_treatment,
        "died": facts.died,
        "collected": facts.collected,
        "last_interaction": facts.last_interaction,
        "opted_out": facts.opted_out,
    }
    named.update({f"reused[{i}]": day for i, day in enumerate(facts.reused)})
    for name, day in named.items():
        if day is not None and day < facts.born:
            raise InputError(
                f"{name.replace('_', ' ')} {day} is before the date of birth {facts.born}",
                field=name,
                hint="check the dates: nothing about a record can happen before birth",
            )


def _clinical_end(facts: RecordFacts) -> date | None:
    """The latest known day of care: the end of treatment or the last attendance, whichever is
    later, so that an early end-of-treatment date never hides a later appointment."""
    return max(
        (d for d in (facts.end_of_treatment, facts.last_seen) if d is not None), default=None
    )


def _care_ended(facts: RecordFacts) -> date | None:
    """The last day of care, later periods of use included."""
    days = (facts.end_of_treatment, facts.last_seen, *facts.reused)
    return max((d for d in days if d is not None), default=None)


def _start_date(trigger: RetentionTrigger, facts: RecordFacts) -> date | None:
    """The date ``trigger`` starts the clock from, if the facts hold it."""
    return {
        RetentionTrigger.LAST_SEEN: facts.last_seen,
        RetentionTrigger.END_OF_TREATMENT: _clinical_end(facts),
        RetentionTrigger.COLLECTION: facts.collected,
        RetentionTrigger.LAST_INTERACTION: facts.last_interaction or facts.last_seen,
        RetentionTrigger.DEATH: facts.died,
        RetentionTrigger.BIRTHDAY: facts.born,
        RetentionTrigger.FINANCIAL_YEAR_END: facts.financial_year_end,
    }.get(trigger)


_NEEDED = {
    RetentionTrigger.END_OF_TREATMENT: "end_of_treatment",
    RetentionTrigger.COLLECTION: "collected",
    RetentionTrigger.LAST_INTERACTION: "last_interaction",
    RetentionTrigger.DEATH: "died",
    RetentionTrigger.BIRTHDAY: "born",
    RetentionTrigger.FINANCIAL_YEAR_END: "financial_year_end",
}


def _require(value: date | None, name: str, terms: _Terms, hint: str | None = None) -> date:
    if value is None:
        raise InputError(
            f"{terms.name} ({terms.trigger}) needs the record's {name.replace('_', ' ')}",
            field=name,
            hint=hint or f"give --{name.replace('_', '-')} DATE",
        )
    return value


def _assume_year_end(facts: RecordFacts, steps: list[str], assumed: list[str]) -> RecordFacts:
    """Without a stated financial year end, the latest one possible: a corporation tax accounting
    period lasts at most 12 months, so the year a record belongs to ends no later than 12 months
    after the record's date. The later date is the safe one for a minimum; it is an assumption,
    and the outcome says so."""
    if facts.financial_year_end is not None or facts.collected is None:
        return facts
    end = add_period(facts.collected, Period(months=12))
    assumption = (
        f"financial year end not given: assumed {long_date(end)}, 12 months after the record "
        f"({long_date(facts.collected)}), the latest an accounting period can end; state "
        "organisation.financial_year_end in the policy, or give --financial-year-end"
    )
    steps.append(assumption)
    assumed.append(assumption)
    return replace(facts, financial_year_end=end)


def _start(terms: _Terms, facts: RecordFacts, steps: list[str]) -> date:
    trigger = terms.trigger
    name = _NEEDED.get(trigger, "last_seen")
    hint = (
        "give --financial-year-end DATE, or --collected DATE to assume the latest possible"
        if trigger is RetentionTrigger.FINANCIAL_YEAR_END
        else None
    )
    start = _require(_start_date(trigger, facts), name, terms, hint)
    treated, seen = facts.end_of_treatment, facts.last_seen
    if trigger is RetentionTrigger.END_OF_TREATMENT and treated and seen and seen > treated:
        steps.append(
            f"last seen {long_date(seen)}, after the end of treatment ({long_date(treated)}): "
            "care ceased then"
        )
    steps.append(f"clock starts at {trigger.replace('_', ' ')}: {long_date(start)}")
    if terms.restart_on_reuse and facts.reused and max(facts.reused) > start:
        start = max(facts.reused)
        steps.append(f"record came back into use: the clock restarts {long_date(start)}")
    return start


def _birthday_end(terms: _Terms, facts: RecordFacts, steps: list[str]) -> date:
    born = _require(facts.born, "born", terms)
    ended = _care_ended(facts)
    target = terms.birthday or 25
    if ended is not None and terms.birthday_if_17_at_end and age_on(born, ended) == 17:
        target = terms.birthday_if_17_at_end
        steps.append(f"aged 17 when care ended ({long_date(ended)}): keep to the {ordinal(target)}")
    when = add_period(born, Period(years=target))
    steps.append(f"born {long_date(born)}: {ordinal(target)} birthday {long_date(when)}")
    if ended is not None and terms.duration is not None:
        floor = add_period(ended, terms.duration)
        if floor > when:
            when = floor
            steps.append(
                f"{period_words(terms.duration)} after care ended is later: {long_date(when)}"
            )
    return when


def _end(terms: _Terms, facts: RecordFacts, steps: list[str]) -> date:
    if terms.trigger is RetentionTrigger.BIRTHDAY:
        return _birthday_end(terms, facts, steps)
    if terms.duration is None:
        raise InputError(
            f"{terms.name} has no duration",
            field="duration",
            hint="add `duration:` to the rule; `hippocratic policy check` finds such rules",
        )
    start = _start(terms, facts, steps)
    when = add_period(start, terms.duration)
    steps.append(f"+ {period_words(terms.duration)} → {long_date(when)}")
    return when


def _later(when: date, other: date, why: str, steps: list[str], how: Sequence[str] = ()) -> date:
    """The later of two dates; if ``other`` wins, the steps say how it was reached and why."""
    if other > when:
        steps.extend(how)
        steps.append(f"{why}: {long_date(other)} is later and applies")
        return other
    return when


def _code_floor(
    entry: CatalogueEntry,
    trigger: RetentionTrigger,
    facts: RecordFacts,
    when: date,
    steps: list[str],
) -> date:
    """The catalogue's minimum for the record type, as a floor under the rule's date."""
    floor_steps: list[str] = []
    floor = _end(_terms_of_entry(entry, trigger), facts, floor_steps)
    code = SOURCES[entry.source].citation
    how = [f"the Code's minimum: {step}" for step in floor_steps]
    return _later(when, floor, f"the Code's minimum ({code})", steps, how)


def _adult_floor(entry: CatalogueEntry, facts: RecordFacts, when: date, steps: list[str]) -> date:
    """A children's record whose care went on into adulthood keeps at least the adult period."""
    adult = CATALOGUE.get(entry.adult_record_type or "")
    ended = _care_ended(facts)
    if adult is None or adult.duration is None or facts.born is None or ended is None:
        return when
    if age_on(facts.born, ended) < ADULT_AGE:
        return when
    floor = add_period(ended, adult.duration)
    why = f"care went on into adulthood; the adult minimum, {period_words(adult.duration)}"
    return _later(when, floor, why, steps)


def _minor_under_adult_rule(rule: RetentionRule, facts: RecordFacts, steps: list[str]) -> None:
    """Warn when the dates show a child, but the rule is the adult one."""
    ended = _care_ended(facts)
    child = next((e for e in CATALOGUE.values() if e.adult_record_type == rule.record_type), None)
    if child is None or facts.born is None or ended is None:
        return
    age = age_on(facts.born, ended)
    if age >= ADULT_AGE:
        return
    kept_to = _birthday_end(_terms_of_entry(child, RetentionTrigger.BIRTHDAY), facts, [])
    steps.append(
        f"warning: aged {age} when care ended ({long_date(ended)}), but rule `{rule.key}` is "
        f"for {rule.record_type.replace('_', ' ')}s; the {child.record_type.replace('_', ' ')} "
        f"minimum would keep it to {long_date(kept_to)}: check the record type"
    )


def _death(
    rule: RetentionRule, entry: CatalogueEntry | None, died: date, when: date, steps: list[str]
) -> date:
    periods = [p for p in (rule.after_death, entry.after_death if entry else None) if p]
    if not periods:
        steps.append(f"died {long_date(died)}: a death never shortens retention")
        return when
    after = max(add_period(died, p) for p in periods)
    steps.append(f"died {long_date(died)}: the period after death ends {long_date(after)}")
    if after <= when:
        steps.append("a death never shortens retention: the earlier end still stands")
    return _later(when, after, "the period from the date of death", steps)


def disposal(rule: RetentionRule, facts: RecordFacts) -> RetentionOutcome:
    """The earliest date ``rule`` lets this record be disposed of, with the reasoning."""
    _check_facts(facts)
    steps: list[str] = []
    assumed: list[str] = []
    source = SOURCES.get(rule.source or "")
    entry = CATALOGUE.get(rule.record_type)

    def outcome(state: DisposalState, when: date | None) -> RetentionOutcome:
        if when is not None:
            steps.append(f"earliest disposal: {long_date(when)}, then {rule.action}")
        return RetentionOutcome(
            state,
            when,
            rule.action,
            rule.key,
            rule.citation,
            rule.source,
            bool(source and source.verified) and not assumed,
            source,
            steps,
            assumed,
        )

    if facts.held:
        steps.append("a legal hold is in place: nothing is disposed of while it lasts")
        return outcome(DisposalState.HELD, None)
    if rule.trigger is RetentionTrigger.OPT_OUT:
        if facts.opted_out is None:
            steps.append("kept until the person opts out")
            return outcome(DisposalState.ON_OPT_OUT, None)
        steps.append(f"opted out {long_date(facts.opted_out)}: only a suppression entry is kept")
        return outcome(DisposalState.DUE, facts.opted_out)
    floor_trigger = _terms_of_entry(entry, rule.trigger).trigger if entry else rule.trigger
    if RetentionTrigger.FINANCIAL_YEAR_END in (rule.trigger, floor_trigger):
        facts = _assume_year_end(facts, steps, assumed)
    opt_out_ends = entry is not None and entry.ends_on_opt_out and facts.opted_out is not None
    if opt_out_ends and facts.opted_out is not None and _start_date(rule.trigger, facts) is None:
        steps.append(
            f"opted out {long_date(facts.opted_out)}: marketing data goes then (Art. 21(3))"
        )
        return outcome(DisposalState.DUE, facts.opted_out)
    when = _end(_terms_of_rule(rule), facts, steps)
    if entry is not None and entry.bound is Bound.MINIMUM:
        when = _code_floor(entry, rule.trigger, facts, when, steps)
        when = _adult_floor(entry, facts, when, steps)
    if facts.died is not None:
        when = _death(rule, entry, facts.died, when, steps)
    if opt_out_ends and facts.opted_out is not None and facts.opted_out < when:
        when = facts.opted_out
        steps.append(f"opted out {long_date(when)}: marketing data goes then (Art. 21(3))")
    _minor_under_adult_rule(rule, facts, steps)
    return outcome(DisposalState.DUE, when)

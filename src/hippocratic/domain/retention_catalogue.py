"""What the law and the NHS Code require of retention, by record type, and ``check_rule``: what
is wrong with one policy rule against them (the policy validator calls it).

The catalogue holds bounds that come from law, for every organisation:
- a **minimum** (the NHS Records Management Code, tax law): a policy may lengthen it with a stated
  justification, never shorten it; the retention calculus also applies it as a floor;
- a **ceiling** (marketing data ends on opt-out, Art. 21(3)): a policy may keep data for less
  time, never longer.

A maximum that one organisation promised its own patients is not law and does not bind anyone
else: it lives on that organisation's rule (``promised_max``) and ``check_rule`` holds the rule
to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hippocratic.domain.calendar import add_months_forward
from hippocratic.domain.legal_source import SOURCES
from hippocratic.policy.retention import Period, RetentionRule, RetentionTrigger
from hippocratic.policy.wording import period as period_words

# Several starting points, so that "365 days" never passes for "1 year" across a leap year.
_REFERENCES = (date(2000, 1, 1), date(2001, 3, 1), date(2003, 3, 1), date(2004, 2, 29))
ADULT_AGE = 18


class Bound(StrEnum):
    MINIMUM = "minimum"
    CEILING = "ceiling"


@dataclass(frozen=True)
class CatalogueEntry:
    record_type: str
    bound: Bound
    source: str
    """Key of the LegalSource the value comes from."""
    triggers: frozenset[RetentionTrigger]
    duration: Period | None = None
    birthday: int | None = None
    birthday_if_17_at_end: int | None = None
    after_death: Period | None = None
    """A period from the date of death that applies as well; the later date wins."""
    adult_record_type: str | None = None
    """For children's records: the entry that also applies if care continued into adulthood."""
    ends_on_opt_out: bool = False
    """The data goes when the person opts out, whatever the period (Art. 21(3))."""


_CLINICAL = frozenset({RetentionTrigger.LAST_SEEN, RetentionTrigger.END_OF_TREATMENT})
_NO_DURATION = frozenset({RetentionTrigger.OPT_OUT, RetentionTrigger.BIRTHDAY})
"""Triggers whose rules may have no duration: the event (or the birthday) is the end."""

CATALOGUE: dict[str, CatalogueEntry] = {
    entry.record_type: entry
    for entry in (
        CatalogueEntry(
            "adult_health_record",
            Bound.MINIMUM,
            "nhs_rm_code_adult_health_record",
            _CLINICAL,
            Period(years=8),
            after_death=Period(years=8),
        ),
        CatalogueEntry(
            "child_health_record",
            Bound.MINIMUM,
            "nhs_rm_code_child_health_record",
            frozenset({RetentionTrigger.BIRTHDAY}),
            birthday=25,
            birthday_if_17_at_end=26,
            adult_record_type="adult_health_record",
        ),
        CatalogueEntry(
            "maternity_record",
            Bound.MINIMUM,
            "nhs_rm_code_maternity_record",
            _CLINICAL,
            Period(years=25),
        ),
        CatalogueEntry(
            "complaint_record",
            Bound.MINIMUM,
            "nhs_rm_code_complaints",
            frozenset({RetentionTrigger.LAST_INTERACTION}),
            Period(years=10),
        ),
        CatalogueEntry(
            "financial_record",
            Bound.MINIMUM,
            "finance_act_1998_sch18_para21",
            frozenset({RetentionTrigger.FINANCIAL_YEAR_END}),
            Period(years=6),
        ),
        CatalogueEntry(
            "marketing_data",
            Bound.CEILING,
            "uk_gdpr_art_21_3",
            frozenset(
                {
                    RetentionTrigger.OPT_OUT,
                    RetentionTrigger.LAST_INTERACTION,
                    RetentionTrigger.COLLECTION,
                }
            ),
            ends_on_opt_out=True,
        ),
    )
}


def add_period(start: date, period: Period) -> date:
    """``start`` plus a retention period; a day that does not exist moves forward (minimums)."""
    moved, _ = add_months_forward(start, period.years * 12 + period.months)
    return moved + timedelta(days=period.days)


def shorter(given: Period, than: Period) -> bool:
    """True if ``given`` ends before ``than`` from any starting day."""
    return any(add_period(day, given) < add_period(day, than) for day in _REFERENCES)


def longer(given: Period, than: Period) -> bool:
    return any(add_period(day, given) > add_period(day, than) for day in _REFERENCES)


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    """A stable rule id: retention.below_minimum, retention.above_promise, ..."""
    field: str
    message: str
    fix: str


def check_rule(rule: RetentionRule) -> list[RuleProblem]:
    """Everything wrong with one retention rule: a missing rationale, citation or duration, an
    unknown source, a trigger or period the catalogue does not allow, an unjustified extension,
    a period longer than the organisation promised.

    A rule without ``source`` is allowed; its outcomes then say the source is not verified."""
    problems = [*_paperwork(rule), *_above_promise(rule)]
    entry = CATALOGUE.get(rule.record_type)
    if entry is None:
        return problems
    if rule.trigger not in entry.triggers:
        allowed = " or ".join(sorted(entry.triggers))
        return [
            *problems,
            RuleProblem(
                "retention.trigger",
                "trigger",
                f"{rule.record_type} runs from {allowed}, not {rule.trigger}",
                f"use the trigger {SOURCES[entry.source].citation} sets",
            ),
        ]
    if entry.bound is Bound.CEILING:
        return problems
    return [*problems, *_below_minimum(rule, entry)]


def _paperwork(rule: RetentionRule) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    if rule.rationale is None:
        problems.append(
            RuleProblem(
                "retention.rationale_missing",
                "rationale",
                f"rule `{rule.key}` has no rationale",
                "add `rationale:` legal, healthcare or operational",
            )
        )
    if not (rule.citation or "").strip():
        problems.append(
            RuleProblem(
                "retention.citation_missing",
                "citation",
                f"rule `{rule.key}` cites no source",
                "add `citation:` e.g. the NHS Records Management Code of Practice row",
            )
        )
    if rule.duration is None and rule.trigger not in _NO_DURATION:
        problems.append(
            RuleProblem(
                "retention.duration_missing",
                "duration",
                f"rule `{rule.key}` runs from {rule.trigger} but says for how long nowhere",
                "add `duration:` e.g. {years: 8}; only opt_out and birthday rules go without",
            )
        )
    if rule.source is not None and rule.source not in SOURCES:
        problems.append(
            RuleProblem(
                "retention.unknown_source",
                "source",
                f"unknown legal source `{rule.source}`",
                f"use one of: {', '.join(sorted(SOURCES))}",
            )
        )
    return problems


def _below_minimum(rule: RetentionRule, entry: CatalogueEntry) -> list[RuleProblem]:
    code = SOURCES[entry.source].citation
    problems: list[RuleProblem] = []

    def below(field: str, message: str, fix: str) -> None:
        problems.append(RuleProblem("retention.below_minimum", field, message, f"{fix} ({code})"))

    if entry.duration is not None:
        given = rule.duration or Period()
        if shorter(given, entry.duration):
            below(
                "duration",
                f"{period_words(given)} is shorter than the {period_words(entry.duration)} minimum",
                f"keep at least {period_words(entry.duration)}",
            )
        elif longer(given, entry.duration) and not rule.extension_justification:
            problems.append(
                RuleProblem(
                    "retention.extension_unjustified",
                    "extension_justification",
                    f"{period_words(given)} is longer than the {period_words(entry.duration)} "
                    "the source sets",
                    "state why in `extension_justification:` or use the source's period",
                )
            )
    if entry.birthday is not None and (rule.birthday or 0) < entry.birthday:
        below(
            "birthday",
            f"the {rule.birthday}th birthday is earlier than the Code's {entry.birthday}th",
            f"set `birthday: {entry.birthday}`",
        )
    if entry.birthday_if_17_at_end is not None and (
        (rule.birthday_if_17_at_end or 0) < entry.birthday_if_17_at_end
    ):
        below(
            "birthday_if_17_at_end",
            f"a patient aged 17 when treatment ended must be kept to the "
            f"{entry.birthday_if_17_at_end}th birthday",
            f"set `birthday_if_17_at_end: {entry.birthday_if_17_at_end}`",
        )
    if (
        entry.after_death is not None
        and rule.after_death is not None
        and shorter(rule.after_death, entry.after_death)
    ):
        below(
            "after_death",
            f"{period_words(rule.after_death)} after death is shorter than the "
            f"{period_words(entry.after_death)} minimum",
            f"keep at least {period_words(entry.after_death)} after death",
        )
    if not rule.restart_on_reuse:
        below(
            "restart_on_reuse",
            "the Code restarts the period when a record comes back into use",
            "remove `restart_on_reuse: false`",
        )
    return problems


def _above_promise(rule: RetentionRule) -> list[RuleProblem]:
    """A period longer than the maximum this organisation promised its patients."""
    promised = rule.promised_max
    if promised is None or (rule.duration is None and rule.trigger not in _NO_DURATION):
        return []
    limit = period_words(promised.period)
    if rule.duration is None:
        message = f"rule `{rule.key}` keeps data until {rule.trigger}, with no limit"
    elif longer(rule.duration, promised.period):
        message = f"{period_words(rule.duration)} is longer than the {limit} promised"
    else:
        return []
    return [
        RuleProblem(
            "retention.above_promise",
            "duration",
            f"{message}: {promised.promise}",
            f"keep it at most {limit}, or change the promise and the notice together",
        )
    ]

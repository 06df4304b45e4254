"""Retention vectors: edge cases of the calculus on local rules (the shipped policies' own
rules are in test_retention_shipped.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hippocratic.domain.retention_schedule import DisposalState, RecordFacts, disposal
from hippocratic.errors import InputError
from hippocratic.policy.retention import (
    Period,
    RetentionAction,
    RetentionRationale,
    RetentionRule,
    RetentionTrigger,
)


def rule(record_type: str, trigger: RetentionTrigger, **fields: Any) -> RetentionRule:
    base: dict[str, Any] = {
        "key": record_type,
        "title": record_type.replace("_", " "),
        "record_type": record_type,
        "trigger": trigger,
        "action": RetentionAction.REVIEW,
        "rationale": RetentionRationale.HEALTHCARE,
        "citation": "NHS Records Management Code of Practice 2023, Appendix II",
        "source": f"nhs_rm_code_{record_type}",
    }
    return RetentionRule.model_validate(base | fields)


ADULT = rule(
    "adult_health_record",
    RetentionTrigger.LAST_SEEN,
    duration=Period(years=8),
    after_death=Period(years=8),
)
CHILD = rule(
    "child_health_record", RetentionTrigger.BIRTHDAY, birthday=25, birthday_if_17_at_end=26
)
MATERNITY = rule("maternity_record", RetentionTrigger.END_OF_TREATMENT, duration=Period(years=25))
FINANCE = rule(
    "financial_record",
    RetentionTrigger.FINANCIAL_YEAR_END,
    duration=Period(years=6),
    action=RetentionAction.DELETE,
    source="finance_act_1998_sch18_para21",
)
CAMPAIGN = rule(
    "campaign_performance",
    RetentionTrigger.COLLECTION,
    duration=Period(days=180),
    action=RetentionAction.ANONYMISE,
    source="organisation_decision",
)
ANALYTICS = rule(
    "analytics_data",
    RetentionTrigger.COLLECTION,
    duration=Period(months=24),
    action=RetentionAction.ANONYMISE,
    source="organisation_decision",
)
MARKETING_UNTIL_OPT_OUT = rule(
    "marketing_data",
    RetentionTrigger.OPT_OUT,
    action=RetentionAction.DELETE,
    source="uk_gdpr_art_21_3",
)
MARKETING_24_MONTHS = rule(
    "marketing_data",
    RetentionTrigger.LAST_INTERACTION,
    duration=Period(months=24),
    action=RetentionAction.DELETE,
    source="organisation_decision",
)


def test_adult_record_eight_years_after_last_appointment() -> None:
    result = disposal(ADULT, RecordFacts(last_seen=date(2026, 3, 1)))
    assert result.state is DisposalState.DUE
    assert result.disposal_date == date(2034, 3, 1)
    assert result.action is RetentionAction.REVIEW
    assert (result.source, result.source_verified) == ("nhs_rm_code_adult_health_record", False)
    assert result.legal_source is not None and "Appendix II" in result.legal_source.citation


@pytest.mark.promise("S0-77")
def test_record_reused_after_its_first_period_restarts() -> None:
    # First period ended 1 May 2018; the record was kept on review and used again in 2019.
    result = disposal(ADULT, RecordFacts(last_seen=date(2010, 5, 1), reused=[date(2019, 6, 1)]))
    assert result.disposal_date == date(2027, 6, 1)
    assert "record came back into use: the clock restarts Saturday 1 June 2019" in result.steps
    during = disposal(ADULT, RecordFacts(last_seen=date(2020, 5, 1), reused=[date(2024, 2, 29)]))
    assert during.disposal_date == date(2032, 2, 29)


@pytest.mark.promise("S0-77", "S1-30")
def test_deceased_adult_from_the_date_of_death_never_shortening() -> None:
    later = disposal(ADULT, RecordFacts(last_seen=date(2026, 3, 1), died=date(2030, 5, 5)))
    assert later.disposal_date == date(2038, 5, 5)
    earlier = disposal(ADULT, RecordFacts(last_seen=date(2026, 3, 1), died=date(2026, 3, 2)))
    assert earlier.disposal_date == date(2034, 3, 2)
    # A rule that forgets the period after death still gets the Code's.
    no_after_death = ADULT.model_copy(update={"after_death": None})
    facts = RecordFacts(last_seen=date(2020, 5, 1), died=date(2025, 1, 1))
    assert disposal(no_after_death, facts).disposal_date == date(2033, 1, 1)


@pytest.mark.promise("S0-77")
@pytest.mark.parametrize(
    ("born", "ended", "expected", "why"),
    [
        (date(2012, 6, 1), date(2026, 6, 1), date(2037, 6, 1), "aged 14 at the end: 25th"),
        (date(2009, 6, 1), date(2026, 8, 1), date(2035, 6, 1), "aged 17 at the end: 26th"),
        (date(2009, 9, 1), date(2026, 9, 15), date(2035, 9, 1), "turned 17 during treatment"),
        (date(2009, 9, 1), date(2026, 8, 31), date(2034, 9, 1), "treatment ended the day before"),
        (date(2008, 2, 29), date(2025, 6, 1), date(2034, 3, 1), "leap-day birth: 1 March"),
        (date(2001, 1, 10), date(2020, 1, 10), date(2028, 1, 10), "seen at 19: adult 8 years"),
    ],
)
def test_children_to_the_25th_or_26th_birthday(
    born: date, ended: date, expected: date, why: str
) -> None:
    result = disposal(CHILD, RecordFacts(born=born, last_seen=ended))
    assert result.disposal_date == expected, why


@pytest.mark.promise("S0-77")
def test_a_child_reused_at_17_is_kept_to_the_26th_birthday() -> None:
    facts = RecordFacts(
        born=date(2009, 6, 1), last_seen=date(2020, 1, 1), reused=[date(2026, 7, 1)]
    )
    assert disposal(CHILD, facts).disposal_date == date(2035, 6, 1)


@pytest.mark.promise("S0-77", "S1-30")
def test_a_deceased_childs_record_is_not_shortened() -> None:
    facts = RecordFacts(born=date(2015, 2, 1), last_seen=date(2026, 2, 1), died=date(2026, 3, 1))
    result = disposal(CHILD, facts)
    assert result.disposal_date == date(2040, 2, 1)
    assert "died Sunday 1 March 2026: a death never shortens retention" in result.steps


@pytest.mark.promise("S0-77")
def test_pregnancy_scans_kept_25_years_after_care_ended() -> None:
    result = disposal(MATERNITY, RecordFacts(last_seen=date(2026, 5, 20)))
    assert result.disposal_date == date(2051, 5, 20)
    ended = disposal(
        MATERNITY, RecordFacts(last_seen=date(2026, 5, 20), end_of_treatment=date(2026, 9, 1))
    )
    assert ended.disposal_date == date(2051, 9, 1)


@pytest.mark.promise("S0-77", "S1-30")
def test_an_early_end_of_treatment_never_hides_a_later_appointment() -> None:
    facts = RecordFacts(end_of_treatment=date(2026, 1, 1), last_seen=date(2026, 5, 20))
    result = disposal(MATERNITY, facts)
    assert result.disposal_date == date(2051, 5, 20)
    assert result.steps[0] == (
        "last seen Wednesday 20 May 2026, after the end of treatment (Thursday 1 January 2026): "
        "care ceased then"
    )
    # A reuse after both still restarts the period.
    reused = RecordFacts(
        end_of_treatment=date(2026, 1, 1), last_seen=date(2026, 5, 20), reused=[date(2027, 2, 1)]
    )
    assert disposal(MATERNITY, reused).disposal_date == date(2052, 2, 1)


@pytest.mark.promise("S0-77", "S1-30")
def test_a_rule_shorter_than_the_code_is_floored_by_the_code() -> None:
    short = MATERNITY.model_copy(update={"duration": Period(years=8)})
    result = disposal(short, RecordFacts(last_seen=date(2026, 5, 20)))
    assert result.disposal_date == date(2051, 5, 20)
    # The steps show how the Code's date was reached, then that it applies.
    assert result.steps[2:5] == [
        "the Code's minimum: clock starts at end of treatment: Wednesday 20 May 2026",
        "the Code's minimum: + 25 years → Saturday 20 May 2051",
        "the Code's minimum (NHS Records Management Code of Practice 2023, Appendix II: maternity "
        "(including obstetric and pregnancy ultrasound) records, 25 years after care has ceased):"
        " Saturday 20 May 2051 is later and applies",
    ]
    # When the rule's own date stands, the floor adds no steps.
    sound = disposal(MATERNITY, RecordFacts(last_seen=date(2026, 5, 20)))
    assert not any("the Code's minimum" in step for step in sound.steps)


def test_a_held_record_is_not_disposed_of() -> None:
    result = disposal(ADULT, RecordFacts(last_seen=date(2010, 1, 1), held=True))
    assert result.state is DisposalState.HELD
    assert result.disposal_date is None
    assert result.steps == ["a legal hold is in place: nothing is disposed of while it lasts"]


def test_marketing_data_until_opt_out() -> None:
    assert disposal(MARKETING_UNTIL_OPT_OUT, RecordFacts()).state is DisposalState.ON_OPT_OUT
    opted = disposal(MARKETING_UNTIL_OPT_OUT, RecordFacts(opted_out=date(2026, 4, 2)))
    assert (opted.state, opted.disposal_date, opted.action) == (
        DisposalState.DUE,
        date(2026, 4, 2),
        RetentionAction.DELETE,
    )


def test_marketing_data_goes_at_24_months_or_on_opt_out_whichever_is_first() -> None:
    kept = disposal(MARKETING_24_MONTHS, RecordFacts(last_interaction=date(2026, 1, 15)))
    assert kept.disposal_date == date(2028, 1, 15)
    opted = RecordFacts(last_interaction=date(2026, 1, 15), opted_out=date(2026, 3, 1))
    assert disposal(MARKETING_24_MONTHS, opted).disposal_date == date(2026, 3, 1)
    unknown_contact = disposal(MARKETING_24_MONTHS, RecordFacts(opted_out=date(2026, 3, 1)))
    assert unknown_contact.disposal_date == date(2026, 3, 1)


def test_campaign_data_180_days_and_analytics_24_months() -> None:
    campaign = disposal(CAMPAIGN, RecordFacts(collected=date(2026, 1, 1)))
    assert campaign.disposal_date == date(2026, 6, 30)
    assert campaign.action is RetentionAction.ANONYMISE
    analytics = disposal(ANALYTICS, RecordFacts(collected=date(2026, 1, 31)))
    assert analytics.disposal_date == date(2028, 1, 31)


def test_financial_records_six_years_from_the_stated_financial_year_end() -> None:
    stated = disposal(FINANCE, RecordFacts(financial_year_end=date(2026, 12, 31)))
    assert stated.disposal_date == date(2032, 12, 31)
    assert (stated.source_verified, stated.assumptions) == (True, [])


def test_without_a_year_end_the_latest_possible_is_assumed_and_never_verified() -> None:
    # An invoice of 5 January 2026 at a company whose year ends 31 December must be kept to
    # 31 December 2032. Not knowing that, assume its year ends as late as it can: 12 months on.
    result = disposal(FINANCE, RecordFacts(collected=date(2026, 1, 5)))
    assert result.disposal_date == date(2033, 1, 5)
    assert result.disposal_date >= date(2032, 12, 31)
    assert result.source_verified is False
    assert result.assumptions == [
        "financial year end not given: assumed Tuesday 5 January 2027, 12 months after the "
        "record (Monday 5 January 2026), the latest an accounting period can end; state "
        "organisation.financial_year_end in the policy, or give --financial-year-end"
    ]
    assert result.steps[0] == result.assumptions[0]
    leap = disposal(FINANCE, RecordFacts(collected=date(2028, 2, 29)))
    assert leap.disposal_date == date(2035, 3, 1)


def test_an_adult_rule_applied_to_a_child_warns() -> None:
    result = disposal(ADULT, RecordFacts(born=date(2012, 1, 10), last_seen=date(2026, 5, 20)))
    assert result.disposal_date == date(2034, 5, 20)
    assert (
        "warning: aged 14 when care ended (Wednesday 20 May 2026), but rule "
        "`adult_health_record` is for adult health records; the child health record minimum "
        "would keep it to Saturday 10 January 2037: check the record type"
    ) in result.steps
    adult = disposal(ADULT, RecordFacts(born=date(2000, 1, 10), last_seen=date(2026, 5, 20)))
    assert not any(step.startswith("warning") for step in adult.steps)


@pytest.mark.parametrize(
    ("the_rule", "facts", "message"),
    [
        (ADULT, RecordFacts(), "needs the record's last seen"),
        (CHILD, RecordFacts(last_seen=date(2026, 1, 1)), "needs the record's born"),
        (ADULT, RecordFacts(born=date(2000, 1, 1), last_seen=date(1999, 1, 1)), "before the date"),
        (CHILD, RecordFacts(born=date(2010, 1, 1), died=date(2009, 1, 1)), "before the date"),
        (CAMPAIGN, RecordFacts(last_seen=date(2026, 1, 1)), "needs the record's collected"),
        (FINANCE, RecordFacts(last_seen=date(2026, 1, 1)), "needs the record's financial year"),
        (
            ANALYTICS.model_copy(update={"duration": None}),
            RecordFacts(collected=date(2026, 1, 1)),
            "has no duration",
        ),
    ],
)
def test_missing_or_impossible_facts_are_a_clear_error(
    the_rule: RetentionRule, facts: RecordFacts, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        disposal(the_rule, facts)

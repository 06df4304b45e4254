"""Retention vectors for every rule the shipped policies use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hippocratic.domain.retention_schedule import DisposalState, RecordFacts, check_rule, disposal
from hippocratic.errors import InputError
from hippocratic.policy.document import Policy
from hippocratic.policy.loader import load_policy
from hippocratic.policy.retention import Period, RetentionAction

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def harmonic() -> Policy:
    return load_policy(POLICIES / "harmonic-medical-sonography.yaml")


@pytest.fixture(scope="module")
def harmony() -> Policy:
    return load_policy(POLICIES / "harmony-healthcare.yaml")


@pytest.mark.promise("S0-76", "S0-77")
def test_adult_record_eight_years_after_last_appointment(harmonic: Policy) -> None:
    result = disposal(
        harmonic.retention_by_key["adult_health_record"], RecordFacts(last_seen=date(2026, 3, 1))
    )
    assert result.disposal_date == date(2034, 3, 1)
    assert result.action is RetentionAction.REVIEW
    assert result.source == "nhs_rm_code_adult_health_record"
    assert result.source_verified is False


@pytest.mark.promise("S0-76")
def test_record_reused_after_its_first_period_restarts(harmonic: Policy) -> None:
    rule = harmonic.retention_by_key["adult_health_record"]
    result = disposal(rule, RecordFacts(last_seen=date(2010, 5, 1), reused=[date(2019, 6, 1)]))
    assert result.disposal_date == date(2027, 6, 1)
    assert any("back into use" in step for step in result.steps)


def test_death_starts_the_clock_again_but_never_shortens(harmonic: Policy) -> None:
    rule = harmonic.retention_by_key["adult_health_record"]
    later = disposal(rule, RecordFacts(last_seen=date(2026, 3, 1), died=date(2030, 5, 5)))
    assert later.disposal_date == date(2038, 5, 5)


@pytest.mark.parametrize(
    ("born", "ended", "expected"),
    [
        (date(2012, 6, 1), date(2026, 6, 1), date(2037, 6, 1)),  # aged 14: 25th birthday
        (date(2009, 6, 1), date(2026, 8, 1), date(2035, 6, 1)),  # aged 17 at the end: 26th
        (date(2009, 9, 1), date(2026, 9, 15), date(2035, 9, 1)),  # turned 17 during treatment
    ],
)
def test_children_to_the_25th_or_26th_birthday(
    harmonic: Policy, born: date, ended: date, expected: date
) -> None:
    result = disposal(
        harmonic.retention_by_key["child_health_record"], RecordFacts(born=born, last_seen=ended)
    )
    assert result.disposal_date == expected


def test_a_deceased_childs_record_is_not_shortened(harmonic: Policy) -> None:
    rule = harmonic.retention_by_key["child_health_record"]
    facts = RecordFacts(born=date(2015, 2, 1), last_seen=date(2026, 2, 1), died=date(2026, 3, 1))
    assert disposal(rule, facts).disposal_date == date(2040, 2, 1)


@pytest.mark.promise("S0-76")
def test_pregnancy_scans_kept_25_years_after_care(harmonic: Policy) -> None:
    result = disposal(
        harmonic.retention_by_key["maternity_record"], RecordFacts(last_seen=date(2026, 5, 20))
    )
    assert result.disposal_date == date(2051, 5, 20)


@pytest.mark.promise("S1-30")
def test_a_held_record_is_not_disposed_of(harmony: Policy) -> None:
    result = disposal(
        harmony.retention_by_key["health_record"],
        RecordFacts(last_seen=date(2020, 1, 1), held=True),
    )
    assert result.state is DisposalState.HELD
    assert result.disposal_date is None


@pytest.mark.promise("S1-31")
def test_harmony_marketing_data_until_opt_out(harmony: Policy) -> None:
    rule = harmony.retention_by_key["marketing_data"]
    assert disposal(rule, RecordFacts()).state is DisposalState.ON_OPT_OUT
    opted = disposal(rule, RecordFacts(opted_out=date(2026, 4, 2)))
    assert (opted.state, opted.disposal_date, opted.action) == (
        DisposalState.DUE,
        date(2026, 4, 2),
        RetentionAction.DELETE,
    )


@pytest.mark.promise("S0-70", "S0-78")
def test_harmonic_campaign_and_analytics_periods(harmonic: Policy) -> None:
    campaign = disposal(
        harmonic.retention_by_key["campaign_performance"], RecordFacts(collected=date(2026, 1, 1))
    )
    assert campaign.disposal_date == date(2026, 6, 30)
    assert campaign.action is RetentionAction.ANONYMISE
    analytics = disposal(
        harmonic.retention_by_key["analytics"], RecordFacts(collected=date(2026, 1, 31))
    )
    assert analytics.disposal_date == date(2028, 1, 31)


@pytest.mark.promise("S1-29")
def test_financial_records_six_years_from_the_financial_year_end(harmonic: Policy) -> None:
    result = disposal(
        harmonic.retention_by_key["financial_record"], RecordFacts(collected=date(2026, 5, 10))
    )
    assert result.disposal_date == date(2033, 3, 31)


@pytest.mark.promise("S1-28")
def test_every_shipped_rule_meets_the_code(harmonic: Policy, harmony: Policy) -> None:
    for rule in [*harmonic.retention, *harmony.retention]:
        assert check_rule(rule) == [], rule.key
        assert rule.rationale is not None and rule.citation


def test_a_rule_below_the_code_minimum_is_a_problem(harmonic: Policy) -> None:
    short = harmonic.retention_by_key["adult_health_record"].model_copy(
        update={"duration": Period(years=5)}
    )
    assert [p.rule for p in check_rule(short)] == ["retention.below_minimum"]


def test_missing_facts_are_a_clear_error(harmonic: Policy) -> None:
    with pytest.raises(InputError, match="last seen"):
        disposal(harmonic.retention_by_key["adult_health_record"], RecordFacts())

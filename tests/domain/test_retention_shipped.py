"""The shipped policies' own retention rules keep the promises their notices make: these tests
load policies/*.yaml, so changing a shipped rule against its promise fails them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hippocratic.domain.retention_catalogue import check_rule
from hippocratic.domain.retention_schedule import DisposalState, RecordFacts, disposal
from hippocratic.policy.loader import load_policy
from hippocratic.policy.retention import Period, RetentionAction, RetentionRule

POLICIES = Path(__file__).resolve().parents[2] / "policies"
HARMONIC = load_policy(POLICIES / "harmonic-medical-sonography.yaml")
HARMONY = load_policy(POLICIES / "harmony-healthcare.yaml")


def harmonic(key: str) -> RetentionRule:
    return HARMONIC.retention_by_key[key]


def harmony(key: str) -> RetentionRule:
    return HARMONY.retention_by_key[key]


def lengthened(rule: RetentionRule, period: Period) -> list[str]:
    return [p.rule for p in check_rule(rule.model_copy(update={"duration": period}))]


@pytest.mark.promise("S0-76")
def test_harmonic_medical_records_kept_8_years_after_the_last_appointment() -> None:
    rule = harmonic("adult_health_record")
    result = disposal(rule, RecordFacts(last_seen=date(2026, 3, 1)))
    assert (result.state, result.disposal_date) == (DisposalState.DUE, date(2034, 3, 1))
    assert result.action is RetentionAction.REVIEW
    # A later appointment recomputes the end date.
    again = disposal(rule, RecordFacts(last_seen=date(2026, 3, 1), reused=[date(2028, 7, 1)]))
    assert again.disposal_date == date(2036, 7, 1)


@pytest.mark.promise("S0-76")
def test_every_harmonic_medical_record_category_is_kept_at_least_8_years() -> None:
    facts = RecordFacts(
        born=date(1990, 4, 1),
        last_seen=date(2026, 3, 1),
        end_of_treatment=date(2026, 3, 1),
        collected=date(2026, 3, 1),
        last_interaction=date(2026, 3, 1),
    )
    categories = {c.key: c for c in HARMONIC.categories}
    for key in ("medical_history", "scan_record", "maternity_record", "referral"):
        category = categories[key]
        assert category.retention is not None, category.key
        result = disposal(harmonic(category.retention), facts)
        assert result.disposal_date is not None and result.disposal_date >= date(2034, 3, 1), (
            category.key
        )


@pytest.mark.promise("S0-76", "S1-30")
def test_shipped_health_records_to_the_code_a_death_never_shortening() -> None:
    facts = RecordFacts(last_seen=date(2026, 3, 1), died=date(2027, 1, 1))
    assert disposal(harmonic("adult_health_record"), facts).disposal_date == date(2035, 1, 1)
    assert disposal(harmony("health_record"), facts).disposal_date == date(2035, 1, 1)


@pytest.mark.promise("S0-77")
def test_harmonic_pregnancy_scans_25_years_from_the_latest_day_of_care() -> None:
    facts = RecordFacts(end_of_treatment=date(2026, 1, 1), last_seen=date(2026, 5, 20))
    assert disposal(harmonic("maternity_record"), facts).disposal_date == date(2051, 5, 20)


@pytest.mark.promise("S0-70", "S0-78")
def test_harmonic_campaign_and_analytics_periods() -> None:
    campaign = disposal(harmonic("campaign_performance"), RecordFacts(collected=date(2026, 1, 1)))
    assert campaign.disposal_date == date(2026, 6, 30)
    assert campaign.action is RetentionAction.ANONYMISE
    analytics = disposal(harmonic("analytics"), RecordFacts(collected=date(2026, 1, 31)))
    assert analytics.disposal_date == date(2028, 1, 31)
    assert analytics.action is RetentionAction.ANONYMISE
    # The promises are on the rules, so a longer period fails `policy check`.
    assert lengthened(harmonic("campaign_performance"), Period(days=181)) == [
        "retention.above_promise"
    ]
    assert lengthened(harmonic("analytics"), Period(months=25)) == ["retention.above_promise"]


@pytest.mark.promise("S0-78")
def test_harmonic_marketing_data_goes_at_24_months_or_on_opt_out() -> None:
    rule = harmonic("marketing_preference")
    kept = disposal(rule, RecordFacts(last_interaction=date(2026, 1, 15)))
    assert kept.disposal_date == date(2028, 1, 15)
    opted = RecordFacts(last_interaction=date(2026, 1, 15), opted_out=date(2026, 3, 1))
    assert disposal(rule, opted).disposal_date == date(2026, 3, 1)
    assert lengthened(rule, Period(months=24, days=1)) == ["retention.above_promise"]


@pytest.mark.promise("S1-31")
def test_harmony_marketing_data_until_opt_out() -> None:
    rule = harmony("marketing_data")
    assert disposal(rule, RecordFacts(last_interaction=date(2020, 1, 1))).state is (
        DisposalState.ON_OPT_OUT
    )
    opted = disposal(rule, RecordFacts(opted_out=date(2026, 4, 2)))
    assert (opted.state, opted.disposal_date, opted.action) == (
        DisposalState.DUE,
        date(2026, 4, 2),
        RetentionAction.DELETE,
    )


def test_harmonics_promise_does_not_bind_harmony() -> None:
    # Harmony promised no period for analytics: 36 months is its own decision to make.
    assert lengthened(harmony("analytics"), Period(months=36)) == []
    assert lengthened(harmonic("analytics"), Period(months=36)) == ["retention.above_promise"]


@pytest.mark.promise("S1-29")
def test_harmony_keeps_an_invoice_after_the_marketing_data_is_erased() -> None:
    opted_out = date(2026, 4, 2)
    marketing = disposal(harmony("marketing_data"), RecordFacts(opted_out=opted_out))
    assert marketing.disposal_date == opted_out
    invoice = RecordFacts(
        collected=date(2026, 1, 5), financial_year_end=date(2026, 12, 31), opted_out=opted_out
    )
    kept = disposal(harmony("financial_record"), invoice)
    assert kept.disposal_date == date(2032, 12, 31)
    assert not any("opted out" in step for step in kept.steps)

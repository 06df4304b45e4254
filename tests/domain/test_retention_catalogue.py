"""``check_rule``: a retention rule that shortens the Code, breaks its organisation's promise,
has no period or cannot say where it comes from is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.domain.test_retention_schedule import (
    ADULT,
    ANALYTICS,
    CAMPAIGN,
    CHILD,
    MARKETING_UNTIL_OPT_OUT,
    MATERNITY,
)

from hippocratic.domain.legal_source import SOURCES
from hippocratic.domain.retention_catalogue import CATALOGUE, Bound, check_rule, longer, shorter
from hippocratic.domain.retention_schedule import RecordFacts, disposal
from hippocratic.policy.loader import load_policy
from hippocratic.policy.retention import Period, RetentionPromise, RetentionTrigger

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def problems(base: Any, **changes: Any) -> list[tuple[str, str]]:
    return [(p.rule, p.field) for p in check_rule(base.model_copy(update=changes))]


@pytest.mark.promise("S1-28", "S0-77")
def test_every_shipped_rule_meets_the_catalogue_and_names_its_source() -> None:
    for name in ("harmonic-medical-sonography.yaml", "harmony-healthcare.yaml"):
        for shipped in load_policy(POLICIES / name).retention:
            assert check_rule(shipped) == [], (name, shipped.key)


def test_a_sound_rule_has_no_problems() -> None:
    assert [check_rule(r) for r in (ADULT, CHILD, MATERNITY, CAMPAIGN, ANALYTICS)] == [[]] * 5


@pytest.mark.promise("S1-28")
def test_a_rule_without_rationale_or_citation_or_with_an_unknown_source_is_refused() -> None:
    assert problems(ADULT, rationale=None, citation="  ") == [
        ("retention.rationale_missing", "rationale"),
        ("retention.citation_missing", "citation"),
    ]
    assert problems(ADULT, source="folklore") == [("retention.unknown_source", "source")]


def test_a_rule_without_a_source_is_allowed_but_never_verified() -> None:
    unsourced = ADULT.model_copy(update={"source": None})
    assert check_rule(unsourced) == []
    outcome = disposal(unsourced, RecordFacts(last_seen=date(2026, 3, 1)))
    assert (outcome.source_verified, outcome.legal_source) == (False, None)


@pytest.mark.promise("S0-76", "S0-77", "S1-30")
@pytest.mark.parametrize(
    ("base", "changes", "field"),
    [
        (ADULT, {"duration": Period(years=5)}, "duration"),
        (ADULT, {"duration": Period(days=2920)}, "duration"),  # 8 x 365 days misses leap days
        (ADULT, {"after_death": Period(years=2)}, "after_death"),
        (ADULT, {"restart_on_reuse": False}, "restart_on_reuse"),
        (MATERNITY, {"duration": Period(years=8)}, "duration"),
        (CHILD, {"birthday": 18}, "birthday"),
        (CHILD, {"birthday_if_17_at_end": 25}, "birthday_if_17_at_end"),
    ],
)
def test_shorter_than_the_code_minimum_is_refused(
    base: Any, changes: dict[str, Any], field: str
) -> None:
    assert problems(base, **changes) == [("retention.below_minimum", field)]


def test_the_fix_names_the_minimum_and_its_source() -> None:
    [problem] = check_rule(MATERNITY.model_copy(update={"duration": Period(years=8)}))
    assert problem.message == "8 years is shorter than the 25 years minimum"
    assert "keep at least 25 years" in problem.fix
    assert "Appendix II" in problem.fix


def test_a_longer_period_needs_a_justification() -> None:
    longer_rule = {"duration": Period(years=30)}
    assert problems(MATERNITY, **longer_rule) == [
        ("retention.extension_unjustified", "extension_justification")
    ]
    assert problems(MATERNITY, **longer_rule, extension_justification="RCR advice: 30 years") == []
    assert problems(ADULT, duration=Period(months=96)) == []


PROMISED_180_DAYS = RetentionPromise(
    period=Period(days=180), promise='Notice 1.0: "kept only for 180 days"'
)


def test_a_rule_cannot_be_longer_than_its_own_promise() -> None:
    promised = CAMPAIGN.model_copy(update={"promised_max": PROMISED_180_DAYS})
    assert problems(promised, duration=Period(days=181)) == [
        ("retention.above_promise", "duration")
    ]
    assert problems(promised, duration=Period(months=6)) == [
        ("retention.above_promise", "duration")
    ]  # six months can be 184 days
    assert problems(promised, duration=Period(days=90)) == []
    assert problems(promised) == []
    [problem] = check_rule(promised.model_copy(update={"duration": Period(years=1)}))
    assert (
        problem.message
        == '1 year is longer than the 180 days promised: Notice 1.0: "kept only for 180 days"'
    )
    assert problem.fix == "keep it at most 180 days, or change the promise and the notice together"


def test_without_a_promise_no_organisation_is_held_to_another_ones() -> None:
    assert problems(CAMPAIGN, duration=Period(years=1)) == []
    assert problems(ANALYTICS, duration=Period(months=36)) == []
    assert "campaign_performance" not in CATALOGUE
    assert "analytics_data" not in CATALOGUE


def test_a_promised_maximum_on_a_rule_without_a_limit_is_refused() -> None:
    promised = MARKETING_UNTIL_OPT_OUT.model_copy(update={"promised_max": PROMISED_180_DAYS})
    assert problems(promised) == [("retention.above_promise", "duration")]


@pytest.mark.parametrize(
    "base", [ADULT, MATERNITY, CAMPAIGN, ANALYTICS], ids=lambda rule: str(rule.key)
)
def test_a_period_rule_without_a_duration_is_refused(base: Any) -> None:
    assert ("retention.duration_missing", "duration") in problems(base, duration=None)


def test_opt_out_and_birthday_rules_need_no_duration() -> None:
    assert check_rule(MARKETING_UNTIL_OPT_OUT) == []
    assert check_rule(CHILD) == []


def test_the_code_sets_the_trigger() -> None:
    assert problems(ADULT, trigger=RetentionTrigger.COLLECTION) == [
        ("retention.trigger", "trigger")
    ]


def test_catalogue_sources_are_registered() -> None:
    assert {entry.source for entry in CATALOGUE.values()} <= set(SOURCES)
    minimums = {k for k, e in CATALOGUE.items() if e.bound is Bound.MINIMUM}
    assert minimums == {
        "adult_health_record",
        "child_health_record",
        "maternity_record",
        "complaint_record",
        "financial_record",
    }
    # Only bounds from law: no organisation's own decision binds everyone.
    assert {k for k, e in CATALOGUE.items() if e.bound is Bound.CEILING} == {"marketing_data"}
    assert all(e.source != "organisation_decision" for e in CATALOGUE.values())


def test_period_comparison_is_safe_across_leap_years() -> None:
    assert shorter(Period(days=365), Period(years=1))
    assert not shorter(Period(months=12), Period(years=1))
    assert longer(Period(days=366), Period(years=1))

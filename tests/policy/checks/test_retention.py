"""Retention: every category has a rule, and each rule passes the retention calculus."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

from hippocratic.policy.loader import load_policy
from hippocratic.policy.retention import Period
from hippocratic.policy.validator import check_policy

SHIPPED = Path(__file__).resolve().parents[3] / "policies"


@pytest.mark.promise("S0-34")
def test_a_category_without_retention_rule_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    retention: analytics_data\n", "")
    found = fired(path, "retention.missing")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "  - key: usage"), "categories[usage]")
    ]


@pytest.mark.promise("S1-28")
def test_a_retention_rule_without_rationale_is_refused_once(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    rationale: legal\n", "", after="key: financial_record")
    found = fired(path, "retention.rationale_missing")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "  - key: financial_record"), "retention[financial_record].rationale")
    ]


@pytest.mark.promise("S1-28")
def test_a_retention_rule_without_citation_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    citation: Finance Act 1998 Sch. 18 para 21\n", "")
    assert [p for _, p in where(path, "retention.citation_missing")] == [
        "retention[financial_record].citation"
    ]


@pytest.mark.promise("S0-76", "S0-77")
def test_a_health_record_kept_less_than_the_nhs_code_is_refused(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    duration: {years: 8}", "    duration: {years: 7}")
    assert where(path, "retention.below_minimum") == [(line, "retention[health_record].duration")]


def test_a_period_rule_without_a_duration_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    duration: {months: 24}\n", "", after="key: analytics_data")
    assert [p for _, p in where(path, "retention.duration_missing")] == [
        "retention[analytics_data].duration"
    ]


def test_a_rule_longer_than_its_own_promise_is_refused(tmp_path: Path) -> None:
    promise = (
        "    duration: {months: 36}\n"
        "    promised_max:\n"
        "      period: {months: 24}\n"
        '      promise: Our notice 1.0, "kept for up to 24 months"\n'
    )
    path, line = mutate(tmp_path, "    duration: {months: 24}\n", promise, after="analytics_data")
    [problem] = fired(path, "retention.above_promise")
    assert (problem.line, problem.path) == (line, "retention[analytics_data].duration")
    assert "36 months is longer than the 24 months promised" in problem.message


def _shipped_with(tmp_path: Path, name: str, after: str, old: str, new: str) -> Path:
    text = (SHIPPED / name).read_text(encoding="utf-8")
    position = text.index(old, text.index(after))
    path = tmp_path / name
    path.write_text(text[:position] + new + text[position + len(old) :], encoding="utf-8")
    return path


@pytest.mark.promise("S0-78")
def test_36_months_of_analytics_breaks_harmonics_promise_not_harmonys(tmp_path: Path) -> None:
    old, new = "    duration: {months: 24}\n", "    duration: {months: 36}\n"
    harmonic = _shipped_with(
        tmp_path, "harmonic-medical-sonography.yaml", "key: analytics", old, new
    )
    assert [p.path for p in check_policy(harmonic).problems] == ["retention[analytics].duration"]
    assert fired(harmonic, "retention.above_promise")
    harmony = _shipped_with(tmp_path, "harmony-healthcare.yaml", "key: analytics", old, new)
    assert check_policy(harmony).problems == []
    assert load_policy(harmony).retention_by_key["analytics"].duration == Period(months=36)

"""L-05: a high-risk activity without a DPIA reference cannot be activated: the policy that
would switch it on is refused, and so is one that leaves an automated decision unflagged."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, mutate, where

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.validator import load_sound_policy

SCORING = "    categories: [identity, payment]\n    recipients: [card_processor]\n"


@pytest.mark.promise("L-05")
def test_a_high_risk_purpose_without_a_dpia_cannot_be_activated(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, SCORING, SCORING + "    high_risk: true\n")
    assert where(path, "dpia.missing") == [(line + 2, "purposes[billing].high_risk")]
    with pytest.raises(PolicyInvalid):
        load_sound_policy(path)  # what `init`, `serve` and a policy change load through


@pytest.mark.promise("L-05")
def test_a_high_risk_purpose_naming_its_dpia_is_activated(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path, SCORING, SCORING + "    high_risk: true\n    dpia: DPIA-LS-01 Payment review\n"
    )
    assert not fired(path, "dpia.missing")
    policy = load_sound_policy(path)
    assert policy.purpose_by_key["billing"].dpia == "DPIA-LS-01 Payment review"


@pytest.mark.promise("L-05")
def test_an_automated_decision_not_flagged_high_risk_is_refused(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, SCORING, SCORING + "    automated_decision: true\n")
    assert where(path, "dpia.not_flagged") == [(line + 2, "purposes[billing].automated_decision")]
    assert not fired(path, "dpia.missing")


def test_the_shipped_scoring_purpose_is_flagged_and_names_its_dpia() -> None:
    from tests.conftest import HARMONIC_POLICY

    scoring = load_sound_policy(HARMONIC_POLICY).purpose_by_key["product_scoring"]
    assert scoring.automated_decision and scoring.high_risk
    assert scoring.dpia and scoring.dpia.startswith("DPIA-")

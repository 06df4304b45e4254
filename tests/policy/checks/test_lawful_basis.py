"""Art. 6 bases with what they need on record: citation, assessment, consent wording."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

from hippocratic.policy.validator import check_policy_text


@pytest.mark.promise("S0-27")
def test_legal_obligation_without_citation_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    legal_citation: UK GDPR Arts. 12-22\n", "")
    found = fired(path, "basis.citation_missing")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "lawful_basis: legal_obligation"), "purposes[rights_requests].lawful_basis")
    ]
    assert "legal_citation" in found[0].fix


@pytest.mark.promise("S0-29")
def test_public_task_without_citation_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    lawful_basis: legal_obligation\n    legal_citation: UK GDPR Arts. 12-22\n",
        "    lawful_basis: public_task\n",
    )
    assert where(path, "basis.citation_missing") == [
        (line, "purposes[rights_requests].lawful_basis")
    ]


@pytest.mark.promise("S0-30")
def test_legitimate_interests_without_assessment_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    legitimate_interests_assessment: LIA-LS-01 Payment fraud checks\n", ""
    )
    found = fired(path, "basis.lia_missing")
    assert [(p.line, p.path) for p in found] == [(line - 1, "purposes[fraud_checks].lawful_basis")]


def test_a_consent_purpose_without_wording_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    consent:\n      wording: Allow analytics cookies to count page views.\n"
        "      withdrawal: Change your choice in Cookie settings at the foot of any page.\n",
        "",
    )
    found = fired(path, "consent.wording_missing")
    assert [(p.line, p.path) for p in found] == [
        (line - 1, "purposes[site_analytics].lawful_basis")
    ]


def test_explicit_consent_as_the_art9_condition_needs_wording_too(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    special_condition: health_or_social_care\n",
        "    special_condition: explicit_consent\n",
    )
    assert where(path, "consent.wording_missing") == [(line - 1, "purposes[care].lawful_basis")]


def test_opt_in_marketing_must_run_under_consent(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    lawful_basis: consent\n    consent:\n      wording: Send me",
        "    lawful_basis: legitimate_interests\n    legitimate_interests_assessment: LIA-2\n    consent:\n      wording: Send me",
    )
    found = fired(path, "marketing.consent_missing")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "  purpose: newsletter"), "marketing.purpose")
    ]
    soft = path.read_text().replace("  model: opt_in", "  model: soft_opt_in")
    assert check_policy_text(soft, "soft.yaml").problems == []


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("legal_citation: UK GDPR Arts. 12-22", 'legal_citation: "   "', "basis.citation_missing"),
        (
            "legitimate_interests_assessment: LIA-LS-01 Payment fraud checks",
            'legitimate_interests_assessment: "  \\t "',
            "basis.lia_missing",
        ),
    ],
)
def test_a_citation_or_assessment_of_only_spaces_is_missing(
    tmp_path: Path, old: str, new: str, rule: str
) -> None:
    path, _ = mutate(tmp_path, old, new)
    assert len(fired(path, rule)) == 1


OTHER_MARKETING = """  - key: offers
    title: Offers
    description: Offers by text message.
    data_use: marketing.communications.sms
    lawful_basis: legitimate_interests
    legitimate_interests_assessment: LIA-LS-02 Offers
    categories: [identity, contact]
"""


def test_every_marketing_purpose_under_opt_in_must_run_under_consent(tmp_path: Path) -> None:
    """Not only the one ``marketing.purpose`` names: any purpose whose data use is marketing."""
    path, line = mutate(
        tmp_path, "  - key: site_analytics\n", OTHER_MARKETING + "  - key: site_analytics\n"
    )
    found = fired(path, "marketing.consent_missing")
    assert [(p.line, p.path) for p in found] == [(line + 4, "purposes[offers].lawful_basis")]
    assert "marketing.communications.sms" in found[0].message
    text = path.read_text()
    soft = text.replace("  model: opt_in", "  model: soft_opt_in")
    assert check_policy_text(soft, "soft.yaml").problems == []
    at = text.index("\nmarketing:\n")
    without_section = text[:at] + "\n" + text[text.index("\nforms:\n") :]
    rules = [p.rule for p in check_policy_text(without_section, "default.yaml").problems]
    assert "marketing.consent_missing" in rules  # opt-in is the default model (D-01)


HARMONIC = Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml"
RECORDING_BY_CONSENT = """    data_use: essential.service.operations.improve
    lawful_basis: consent
    consent:
      wording: This call may be recorded for quality and training. Say no and the call continues unrecorded.
      withdrawal: Tell us during the call, or ask later for the recording to be deleted.
"""


@pytest.mark.promise("S0-49")
def test_recording_calls_because_the_law_requires_it_needs_that_law_cited() -> None:
    text = HARMONIC.read_text(encoding="utf-8")
    assert RECORDING_BY_CONSENT in text
    by_law = (
        RECORDING_BY_CONSENT.split("    lawful_basis:")[0] + "    lawful_basis: legal_obligation\n"
    )
    uncited = check_policy_text(text.replace(RECORDING_BY_CONSENT, by_law), "harmonic.yaml")
    assert [p.path for p in uncited.problems if p.rule == "basis.citation_missing"] == [
        "purposes[call_recording].lawful_basis"
    ]
    cited = by_law + "    legal_citation: Example Regulations 2026, reg. 4 (a test citation)\n"
    checked = check_policy_text(text.replace(RECORDING_BY_CONSENT, cited), "harmonic.yaml")
    assert [p for p in checked.problems if p.rule == "basis.citation_missing"] == []

"""The taxonomy: fideslang's keys, our health children, and a suggestion for a misspelt key."""

from __future__ import annotations

import pytest

from hippocratic.policy.taxonomy import (
    HEALTH_EXTENSIONS,
    data_categories,
    data_uses,
    is_health,
    is_special,
    suggestion,
)


def test_fideslang_keys_are_known() -> None:
    categories = data_categories()
    assert {"user.name", "user.contact.email", "user.financial.credit_card"} <= categories
    assert {"essential.service", "marketing.communications", "analytics.reporting"} <= data_uses()


def test_health_children_extend_fideslang() -> None:
    for key in (
        "user.health_and_medical.imaging",
        "user.health_and_medical.pregnancy",
        "user.health_and_medical.medical_history",
        "user.health_and_medical.referral",
        "user.health_and_medical.report",
    ):
        assert key in data_categories()
        assert key in HEALTH_EXTENSIONS
    assert "user.health_and_medical" in data_categories()


def test_made_up_keys_are_not_known() -> None:
    assert "user.health_and_medical.horoscope" not in data_categories()
    assert "marketing.spam" not in data_uses()


@pytest.mark.parametrize(
    ("key", "health", "special"),
    [
        ("user.health_and_medical", True, True),
        ("user.health_and_medical.imaging", True, True),
        ("user.biometric.health", True, True),
        ("user.biometric.fingerprint", False, True),
        ("user.demographic.race_ethnicity", False, True),
        ("user.demographic.religious_belief", False, True),
        ("user.demographic.sexual_orientation", False, True),
        ("user.demographic.political_opinion", False, True),
        ("user.demographic.date_of_birth", False, False),
        ("user.health_and_medicalish", False, False),
        ("user.contact.email", False, False),
    ],
)
def test_health_and_special_category_keys(key: str, health: bool, special: bool) -> None:
    assert is_health(key) is health
    assert is_special(key) is special


def test_a_misspelt_key_gets_the_closest_known_key() -> None:
    assert suggestion("user.health_and_medical.imagign", data_categories()) == (
        "did you mean 'user.health_and_medical.imaging'?"
    )
    assert suggestion("marketing.comunications", data_uses()) == (
        "did you mean 'marketing.communications'?"
    )


def test_a_key_like_nothing_points_at_the_taxonomy() -> None:
    assert suggestion("zzz", data_categories()) == "use a key from the fideslang taxonomy"

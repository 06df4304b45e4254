"""The banner's content and rules come from the policy's cookie register, for both shipped
policies: what it asks about, which cookies and vendors it names, where tags never load."""

from __future__ import annotations

import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY

from hippocratic.errors import NotFound
from hippocratic.policy.document import Policy
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.cookie_banner import (
    DEMO_STAND_INS,
    banner_config,
    banner_sha256,
    gated,
    health_terms,
    is_sensitive,
    period_days,
    sensitive_patterns,
)

HARMONIC = load_sound_policy(HARMONIC_POLICY)
HARMONY = load_sound_policy(HARMONY_POLICY)


@pytest.mark.promise("S0-90", "S0-103")
def test_harmonics_banner_offers_each_consent_category_and_names_every_cookie() -> None:
    config = banner_config(HARMONIC, "https://hippocratic.example")
    assert gated(HARMONIC) == ["performance", "functional", "analytics", "advertising"]
    assert config["cookie"] == "hms_consent"
    assert config["maxAge"] == period_days(HARMONIC.cookies.cookies[1].lifetime) * 86400  # type: ignore[union-attr,arg-type]
    assert config["maxAge"] <= 184 * 86400  # never longer than the six months registered
    assert config["cookies"] == [[c.name, c.category.value] for c in HARMONIC.cookies.cookies]  # type: ignore[union-attr]
    shown = {c["key"]: c for c in config["categories"]}
    assert shown["essential"]["required"] is True
    assert shown["analytics"]["cookies"] == ["_ga", "_ga_*"]
    assert shown["advertising"]["cookies"] == ["_gcl_au", "_fbp", "_fbc"]
    vendors = {v["key"]: v for v in config["vendors"]}
    assert vendors["meta"]["categories"] == ["advertising"]
    assert vendors["google_analytics"]["categories"] == ["analytics"]
    assert vendors["google_analytics"]["hosts"] == [
        "www.google-analytics.com", "www.googletagmanager.com"
    ]  # fmt: skip
    assert vendors["meta"]["paths"] == []  # the demo's stand-ins only when asked for
    assert config["endpoint"] == "https://hippocratic.example/harmonic/consent"
    assert config["notice"] == "2024-11-18"
    assert config["reconsent"] == [0, 6, 0]
    assert config["gpc"] is False


@pytest.mark.promise("S0-99")
def test_the_banner_links_each_vendors_opt_out_and_privacy_policy() -> None:
    vendors = {v["key"]: v for v in banner_config(HARMONIC, "http://x")["vendors"]}
    assert vendors["google_ads"]["opt_out"] == "https://adssettings.google.com/"
    assert vendors["meta"]["opt_out"] == "https://www.facebook.com/adpreferences"
    assert vendors["meta"]["privacy"] == "https://www.facebook.com/privacy/policy"


def test_harmonys_banner_asks_only_about_analytics() -> None:
    config = banner_config(HARMONY, "http://x", gpc=True)
    assert gated(HARMONY) == ["analytics"]
    assert config["cookie"] == "hh_consent"
    assert config["vendors"] == []
    assert config["gpc"] is True
    assert "Harmony Healthcare" in config["words"]["title"]
    assert banner_sha256(HARMONY) != banner_sha256(HARMONIC)


def test_the_demo_stand_ins_count_as_their_vendors() -> None:
    config = banner_config(HARMONIC, "http://127.0.0.1:8000", stand_ins=DEMO_STAND_INS)
    vendors = {v["key"]: v for v in config["vendors"]}
    assert vendors["meta"]["paths"] == [
        "http://127.0.0.1:8000/demo/stand-in/fbevents.js",
        "http://127.0.0.1:8000/demo/stand-in/tr",
    ]
    assert "http://127.0.0.1:8000/demo/stand-in/g/" in vendors["google_analytics"]["paths"]


def _retitled(policy: Policy, title: str) -> Policy:
    assert policy.cookies is not None
    categories = [
        c.model_copy(update={"title": title}) if c.category.value == "analytics" else c
        for c in policy.cookies.categories
    ]
    cookies = policy.cookies.model_copy(update={"categories": categories})
    return policy.model_copy(update={"cookies": cookies})


def test_the_banner_text_hash_changes_with_any_word_shown() -> None:
    assert banner_sha256(HARMONIC) == banner_sha256(load_sound_policy(HARMONIC_POLICY))
    assert banner_sha256(_retitled(HARMONIC, "Statistics")) != banner_sha256(HARMONIC)


@pytest.mark.promise("S0-96")
@pytest.mark.parametrize(
    ("path", "sensitive"),
    [
        ("/book", True),
        ("/booking/confirm", True),
        ("/portal/results", True),
        ("/early-pregnancy-scan", True),
        ("/scans/gynaecology-scan-results", True),
        ("/services/gynaecology-scan?x=1", True),
        ("/prices", False),
        ("/", False),
        ("/health-check-scan", False),  # a service that reveals nothing about health
    ],
)
def test_health_sensitive_routes(path: str, sensitive: bool) -> None:
    assert is_sensitive(HARMONIC, path) is sensitive


def test_harmonys_health_revealing_services_are_sensitive_too() -> None:
    assert "*sexual-health-screen*" in sensitive_patterns(HARMONY)
    assert is_sensitive(HARMONY, "/sexual-health-screen")
    assert not is_sensitive(HARMONY, "/health-check")


@pytest.mark.promise("S0-97")
def test_health_terms_are_each_health_revealing_services_names() -> None:
    terms = health_terms(HARMONIC)
    assert {"early pregnancy scan", "early_pregnancy_scan", "early-pregnancy-scan"} <= set(terms)
    assert "general health check scan" not in terms


def test_a_policy_without_a_consent_cookie_has_no_banner() -> None:
    assert HARMONIC.cookies is not None
    cookies = HARMONIC.cookies.model_copy(
        update={"cookies": [c for c in HARMONIC.cookies.cookies if c.name != "hms_consent"]}
    )
    with pytest.raises(NotFound):
        banner_config(HARMONIC.model_copy(update={"cookies": cookies}), "http://x")

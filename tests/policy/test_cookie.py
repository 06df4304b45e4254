"""The cookie register as the banner reads it: names with wildcards, the consent cookie, the
re-consent period and the health-sensitive routes a policy may add."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY

from hippocratic.policy.cookie import CookieCategory, CookiePolicy, name_pattern
from hippocratic.policy.retention import Period
from hippocratic.policy.validator import load_sound_policy

HARMONIC = load_sound_policy(HARMONIC_POLICY).cookies
HARMONY = load_sound_policy(HARMONY_POLICY).cookies
assert HARMONIC is not None and HARMONY is not None


@pytest.mark.promise("S0-90")
@pytest.mark.parametrize(
    ("seen", "registered"),
    [("_ga", "_ga"), ("_ga_ABC123", "_ga_*"), ("_ga_", "_ga_*"), ("_gax", None),
     ("hms_consent", "hms_consent"), ("_gid", None), ("HMS_CONSENT", None)],
)  # fmt: skip
def test_a_cookie_is_found_by_its_name_or_a_wildcard(seen: str, registered: str | None) -> None:
    assert HARMONIC is not None
    found = HARMONIC.cookie_named(seen)
    assert (found.name if found else None) == registered


def test_the_consent_cookie_is_the_essential_one_named_so() -> None:
    assert HARMONIC is not None and HARMONY is not None
    assert HARMONIC.consent_cookie_name == "hms_consent"
    assert HARMONY.consent_cookie_name == "hh_consent"
    named = HARMONIC.model_copy(update={"consent_cookie": "hms_session"})
    assert named.consent_cookie_name == "hms_session"
    # a consent cookie must be an essential one in the register
    assert HARMONIC.model_copy(update={"consent_cookie": "_ga"}).consent_cookie_name is None
    assert HARMONIC.model_copy(update={"consent_cookie": "nope"}).consent_cookie_name is None


def test_the_banner_asks_again_after_six_months_unless_the_policy_says_otherwise() -> None:
    assert HARMONIC is not None
    assert HARMONIC.reconsent_after == Period(months=6)
    assert HARMONIC.sensitive_paths == []
    data = HARMONIC.model_dump(mode="json")
    data |= {"reconsent_after": {"months": 3}, "sensitive_paths": ["/clinic/*"]}
    changed = CookiePolicy.model_validate(data)
    assert changed.reconsent_after == Period(months=3)
    assert changed.sensitive_paths == ["/clinic/*"]
    with pytest.raises(ValidationError):
        CookiePolicy.model_validate(data | {"reconsent_after": {"weeks": 2}})


def test_a_vendors_tags_need_the_categories_of_its_cookies() -> None:
    assert HARMONIC is not None
    assert HARMONIC.vendor_categories("meta") == {CookieCategory.ADVERTISING}
    assert HARMONIC.vendor_categories("google_analytics") == {CookieCategory.ANALYTICS}
    assert HARMONIC.vendor_categories("unregistered") == {CookieCategory.ADVERTISING}
    assert HARMONIC.consent_required(CookieCategory.ANALYTICS)
    assert not HARMONIC.consent_required(CookieCategory.ESSENTIAL)


def test_a_pattern_escapes_everything_but_the_star() -> None:
    assert name_pattern("/a.b*").fullmatch("/a.b/c")
    assert not name_pattern("/a.b*").fullmatch("/axb")

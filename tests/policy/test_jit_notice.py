"""Just-in-time notices state exactly the purposes, recipients and retention of a form."""

from __future__ import annotations

import pytest

from hippocratic.errors import NotFound
from hippocratic.policy.document import Policy
from hippocratic.policy.jit_notice import build_jit_notice, render_jit_notice


@pytest.mark.promise("S0-06", "S0-31", "S0-36")
def test_jit_notice_has_exactly_the_forms_purposes_and_recipients(harmonic: Policy) -> None:
    view = build_jit_notice(harmonic, "enquiry")
    assert [p.key for p in view.purposes] == ["enquiries"]
    assert [r.key for r in view.recipients] == ["it_hosting"]
    assert [f.title for f in view.fields] == [
        "Full name",
        "Email address",
        "Phone number",
        "Your enquiry",
    ]
    assert {r.key for r in view.retention} == {"adult_health_record", "enquiry_record"}


def test_jit_recipients_only_those_receiving_the_forms_data(harmonic: Policy) -> None:
    view = build_jit_notice(harmonic, "marketing_signup")
    assert [r.key for r in view.recipients] == ["mailing_services"]
    assert "marketing_preference" in {r.key for r in view.retention}
    booking = build_jit_notice(harmonic, "booking")
    assert {r.key for r in booking.recipients} == {"referrers", "it_hosting", "service_providers"}
    assert "google_ads" not in {r.key for r in booking.recipients}


@pytest.mark.promise("S0-123")
def test_jit_notice_links_to_the_full_notice(harmonic: Policy, harmony: Policy) -> None:
    text = render_jit_notice(harmonic, "booking", "md")
    assert (
        "[https://www.harmonicmedicalsonography.com/privacy](https://www.harmonicmedicalsonography.com/privacy)"
        in text
    )
    assert "(/harmony/privacy)" in render_jit_notice(harmony, "contact", "md")


def test_jit_notice_states_the_lawful_basis_and_consent_words(harmony: Policy) -> None:
    text = render_jit_notice(harmony, "marketing_signup", "html")
    assert "your consent (UK GDPR Art. 6(1)(a))" in text
    assert "<q>I would like to receive updates" in text
    assert 'href="/harmony/privacy"' in text


def test_unknown_form_is_not_found(harmonic: Policy) -> None:
    with pytest.raises(NotFound) as caught:
        build_jit_notice(harmonic, "nope")
    assert "booking" in (caught.value.hint or "")

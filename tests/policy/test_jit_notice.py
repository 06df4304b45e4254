"""Just-in-time notices state exactly the purposes, recipients and retention of a form."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from hippocratic.errors import NotFound
from hippocratic.policy.document import Policy
from hippocratic.policy.jit_notice import build_jit_notice, render_jit_notice
from hippocratic.policy.loader import load_policy
from hippocratic.policy.wording import retention_rule


@pytest.mark.promise("S0-06", "S0-31", "S0-36")
def test_jit_notice_has_exactly_the_forms_purposes_and_recipients(harmonic: Policy) -> None:
    view = build_jit_notice(harmonic, "enquiry")
    assert [p.key for p in view.purposes] == ["enquiries", "marketing"]  # the unticked choice
    assert [r.key for r in view.recipients] == ["it_hosting", "mailing_services"]
    assert [f.title for f in view.fields] == [
        "Full name",
        "Email address",
        "Phone number",
        "Your enquiry",
        "Marketing choices by channel",
    ]
    assert {r.key for r in view.retention} == {
        "adult_health_record",
        "enquiry_record",
        "marketing_preference",
    }


def test_jit_recipients_only_those_receiving_the_forms_data(harmonic: Policy) -> None:
    view = build_jit_notice(harmonic, "marketing_signup")
    assert [r.key for r in view.recipients] == ["mailing_services"]
    assert "marketing_preference" in {r.key for r in view.retention}
    booking = build_jit_notice(harmonic, "booking")
    assert {r.key for r in booking.recipients} == {
        "referrers",
        "it_hosting",
        "service_providers",
        "mailing_services",  # only if the marketing choice is ticked
    }
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


CLINIC = Path(__file__).parent / "fixtures" / "render_clinic.yaml"


@pytest.fixture(scope="module")
def clinic() -> Policy:
    return load_policy(CLINIC)


def test_jit_notice_states_only_what_applies_to_the_form(clinic: Policy) -> None:
    """The booking form collects identity and contact for reminders, with the unticked newsletter
    choice every form taking an email offers: the accountant (a reminders recipient that
    receives only invoices) and every other purpose and rule are left out."""
    view = build_jit_notice(clinic, "booking")
    assert [p.key for p in view.purposes] == ["reminders", "newsletter"]
    assert [r.key for r in view.recipients] == ["sms_gateway"]
    assert [r.key for r in view.retention] == ["treatment_record", "newsletter_record"]
    for fmt in ("md", "html"):
        text = html.unescape(render_jit_notice(clinic, "booking", fmt))  # type: ignore[arg-type]
        for field in ("Full name", "Email address", "Mobile number"):
            assert field in text
        assert "Appointment reminders" in text
        assert "our legitimate interests, balanced against yours" in text
        assert "Textwell Ltd" in text
        assert retention_rule(clinic.retention_by_key["treatment_record"]) in text
        assert "Exercise newsletter" in text and "Newsletter list" in text  # the choice offered
        for absent in (
            "Treating your injury",
            "Keeping accounts",
            "Your GP practice",
            "Notecloud",
            "Ledger & Co",
            "Invoices and accounts",
            "Date of birth",
            "Description of your injury",
        ):
            assert absent not in text, absent


def test_jit_notice_for_health_data_gives_the_art9_condition(clinic: Policy) -> None:
    view = build_jit_notice(clinic, "intake")
    assert [p.key for p in view.purposes] == ["treatment"]
    assert [r.key for r in view.recipients] == ["gp_practice", "cloud_notes"]
    assert view.purposes[0].special_condition == (
        "providing health care and managing health services (UK GDPR Art. 9(2)(h))"
    )


@pytest.mark.promise("S0-123")
def test_jit_notice_without_a_notice_url_links_to_the_served_notice(clinic: Policy) -> None:
    assert clinic.notice.url is None
    assert 'href="/riverside/privacy">full privacy notice</a>' in render_jit_notice(
        clinic, "booking", "html"
    )
    assert "[/riverside/privacy](/riverside/privacy)" in render_jit_notice(clinic, "intake", "md")

"""No health data to advertisers or analytics; no transfer outside the UK/EEA unguarded."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

from hippocratic.policy.validator import check_policy_text


@pytest.mark.promise("S0-45", "S0-67")
def test_an_analytics_recipient_allowed_health_data_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [usage]\n    purposes: [site_analytics]",
        "    categories: [usage, medical_history]\n    purposes: [site_analytics]",
    )
    found = fired(path, "recipient.health_to_marketing")
    assert [(p.line, p.path) for p in found] == [(line, "recipients[web_analytics].categories[1]")]
    assert "medical_history" in found[0].message


@pytest.mark.promise("S0-45", "S0-67", "S0-69")
def test_an_advertiser_allowed_health_revealing_data_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [usage]\n    purposes: [ad_measurement]",
        "    categories: [usage, purchases]\n    purposes: [ad_measurement]",
    )
    assert where(path, "recipient.health_to_marketing") == [
        (line, "recipients[ad_network].categories[1]")
    ]


@pytest.mark.promise("S0-45", "S0-67")
def test_an_advertiser_serving_a_health_purpose_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "    purposes: [ad_measurement]", "    purposes: [ad_measurement, care]"
    )
    assert where(path, "recipient.health_to_marketing") == [
        (line, "recipients[ad_network].purposes[1]")
    ]


@pytest.mark.promise("S0-45", "S0-67")
def test_a_health_purpose_sharing_with_analytics_is_refused(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "    recipients: [gp]", "    recipients: [gp, web_analytics]")
    assert where(path, "recipient.health_to_marketing") == [(line, "purposes[care].recipients[1]")]


@pytest.mark.promise("S0-45")
def test_a_marketing_purpose_using_health_data_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    categories: [identity, contact, preferences]",
        "    categories: [identity, contact, preferences, purchases]",
    )
    found = [
        p
        for p in fired(path, "recipient.health_to_marketing")
        if p.path == "purposes[newsletter].categories"
    ]
    assert [p.line for p in found] == [line]


@pytest.mark.promise("S0-67")
def test_a_tracking_vendor_routed_to_a_recipient_with_health_data_is_refused(
    tmp_path: Path,
) -> None:
    path, line = mutate(tmp_path, "      recipient: ad_network", "      recipient: gp")
    assert where(path, "recipient.health_to_marketing") == [
        (line, "cookies.vendors[example_ads].recipient")
    ]


@pytest.mark.promise("S0-66")
def test_an_advertiser_must_receive_aggregates_only(tmp_path: Path) -> None:
    path, _ = mutate(tmp_path, "    aggregated_only: true\n", "")
    found = fired(path, "recipient.advertiser_personal_data")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "  - key: ad_network"), "recipients[ad_network].aggregated_only")
    ]


@pytest.mark.promise("S0-66")
@pytest.mark.parametrize(
    ("given", "identifies"),
    [
        ("identity", "full_name: user.name"),
        ("contact", "email: user.contact.email"),
        ("payment", "card_number: user.financial.credit_card"),
    ],
)
def test_an_aggregates_only_advertiser_given_personal_data_is_refused(
    tmp_path: Path, given: str, identifies: str
) -> None:
    """The flag alone proves nothing: names, contact details and unique ids are no aggregate."""
    path, line = mutate(
        tmp_path,
        "    categories: [usage]\n    purposes: [ad_measurement]",
        f"    categories: [usage, {given}]\n    purposes: [ad_measurement]",
    )
    found = fired(path, "recipient.advertiser_personal_data")
    assert [(p.line, p.path) for p in found] == [(line, "recipients[ad_network].categories[1]")]
    assert identifies in found[0].message


@pytest.mark.promise("S0-66")
@pytest.mark.parametrize(
    "key", ["user.device.ip_address", "user.device.cookie_id", "user.unique_id.pseudonymous"]
)
def test_an_online_identifier_inside_an_advertisers_category_is_personal_data(
    tmp_path: Path, key: str
) -> None:
    """Art. 4(1) and Recital 30: an IP address or cookie id singles a person out, even in a
    category whose own key is browsing history."""
    path, _ = mutate(
        tmp_path,
        "        why: To see which pages help people.\n",
        f"        why: To see which pages help people.\n        data_category: {key}\n",
    )
    found = fired(path, "recipient.advertiser_personal_data")
    assert [(p.line, p.path) for p in found] == [
        (
            line_of(path, "    categories: [usage]\n    purposes: [ad_measurement]"),
            "recipients[ad_network].categories[0]",
        )
    ]
    assert f"page_views: {key}" in found[0].message
    # the analytics recipient, which is not marked aggregated-only, may count visitors by them
    assert not [p for p in found if "web_analytics" in p.path]


@pytest.mark.promise("S0-72", "S0-73")
def test_a_recipient_outside_the_uk_without_a_safeguard_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    transfer_safeguard: uk_us_data_bridge\n    contract_reference: DPA-LS-03\n",
        "    contract_reference: DPA-LS-03\n",
    )
    found = fired(path, "transfer.no_safeguard")
    assert [(p.line, p.path) for p in found] == [
        (line_of(path, "  - key: web_analytics"), "recipients[web_analytics].transfer_safeguard")
    ]
    assert "US" in found[0].message


@pytest.mark.promise("S0-72")
def test_the_eea_and_permitted_countries_need_no_safeguard(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "    transfer_safeguard: uk_us_data_bridge\n    contract_reference: DPA-LS-03\n",
        "    contract_reference: DPA-LS-03\n",
    )
    eea = path.read_text().replace("    country: US\n    contract", "    country: IE\n    contract")
    eea = eea.replace(
        "      country: US\n      recipient: web_analytics",
        "      country: IE\n      recipient: web_analytics",
    )
    assert check_policy_text(eea, "eea.yaml").problems == []
    permitted = path.read_text().replace(
        "permitted_countries: [GB]", "permitted_countries: [GB, US]"
    )
    assert check_policy_text(permitted, "permitted.yaml").problems == []


@pytest.mark.promise("S0-72", "S0-73")
def test_a_vendor_outside_the_uk_needs_a_recipient_stating_its_safeguard(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "      country: US\n      recipient: web_analytics\n", "      country: US\n"
    )
    assert where(path, "transfer.no_safeguard") == [
        (line, "cookies.vendors[example_analytics].country")
    ]
    path, line = mutate(
        tmp_path,
        "      country: US\n      recipient: web_analytics\n",
        "      country: US\n      recipient: card_processor\n",
    )
    found = fired(path, "transfer.no_safeguard")
    assert [(p.line, p.path) for p in found] == [
        (line, "cookies.vendors[example_analytics].country")
    ]
    assert "card_processor" in found[0].message

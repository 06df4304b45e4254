"""`ref.*` and `taxonomy.*`: every key a policy refers to exists, once, in the taxonomy."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.sound import fired, line_of, mutate, where

REFERENCES = [
    # (old, new, after, expected path, kind named in the message)
    (
        "    retention: financial_record",
        "    retention: money",
        "",
        "categories[payment].retention",
        "retention rule",
    ),
    (
        "    categories: [identity, payment]",
        "    categories: [identity, paymnet]",
        "key: billing",
        "purposes[billing].categories[1]",
        "category",
    ),
    (
        "    recipients: [gp]",
        "    recipients: [gp_surgery]",
        "key: care",
        "purposes[care].recipients[0]",
        "recipient",
    ),
    (
        "    categories: [usage]\n    recipients",
        "    categories: [usage]\n    retention: forever\n    recipients",
        "key: ad_measurement",
        "purposes[ad_measurement].retention",
        "retention rule",
    ),
    (
        "    purposes: [care, billing]",
        "    purposes: [care, biling]",
        "key: reception",
        "roles[reception].purposes[1]",
        "purpose",
    ),
    (
        "    categories: [identity, contact, purchases, payment]",
        "    categories: [identity, contact, purchases, payments]",
        "key: reception",
        "roles[reception].categories[3]",
        "category",
    ),
    (
        "    masked_fields: [card_number]",
        "    masked_fields: [card_no]",
        "",
        "roles[reception].masked_fields[0]",
        "field",
    ),
    (
        "    categories: [identity, medical_history]",
        "    categories: [identity, medical]",
        "key: gp",
        "recipients[gp].categories[1]",
        "category",
    ),
    (
        "    purposes: [billing]",
        "    purposes: [payments]",
        "key: card_processor",
        "recipients[card_processor].purposes[0]",
        "purpose",
    ),
    (
        "    fields: [full_name, email, scan_type, history, newsletter]",
        "    fields: [full_name, email, scan_type, histroy, newsletter]",
        "",
        "forms[booking].fields[3]",
        "field",
    ),
    (
        "    purposes: [care, newsletter]\n",
        "    purposes: [car, newsletter]\n",
        "key: booking",
        "forms[booking].purposes[0]",
        "purpose",
    ),
    (
        "      vendor: example_ads",
        "      vendor: example_adz",
        "",
        "cookies.cookies[_xad].vendor",
        "vendor",
    ),
    (
        "      recipient: ad_network",
        "      recipient: ads",
        "",
        "cookies.vendors[example_ads].recipient",
        "recipient",
    ),
    ("  purpose: newsletter", "  purpose: news", "marketing:", "marketing.purpose", "purpose"),
    (
        "  campaign_retention: marketing_data",
        "  campaign_retention: campaigns",
        "",
        "marketing.campaign_retention",
        "retention rule",
    ),
]


@pytest.mark.parametrize(("old", "new", "after", "key_path", "kind"), REFERENCES)
def test_every_unknown_reference_is_refused_with_the_known_keys(
    tmp_path: Path, old: str, new: str, after: str, key_path: str, kind: str
) -> None:
    path, line = mutate(tmp_path, old, new, after=after)
    key = key_path.rsplit(".", 1)[-1].split("[")[0]
    line += new[: new.index(f"{key}:")].count("\n")  # the line of the bad reference's key
    found = fired(path, "ref.unknown")
    assert [(p.path, p.line) for p in found] == [(key_path, line)]
    assert found[0].message.startswith(f"unknown {kind} `")
    assert found[0].fix.startswith("use one of: ")


def test_a_cookie_in_an_undescribed_category_is_refused(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path,
        "    - name: _xa\n      category: analytics",
        "    - name: _xa\n      category: performance",
    )
    assert where(path, "ref.unknown") == [(line + 1, "cookies.cookies[_xa].category")]


DUPLICATES = [
    ("  - key: fraud_checks", "  - key: billing", "purposes[billing].key"),
    ("      - key: newsletter", "      - key: email", "categories[preferences].fields[email].key"),
    (
        "    - key: example_ads",
        "    - key: example_analytics",
        "cookies.vendors[example_analytics].key",
    ),
    (
        "    - category: advertising",
        "    - category: analytics",
        "cookies.categories[analytics].category",
    ),
]


@pytest.mark.parametrize(("old", "new", "key_path"), DUPLICATES)
def test_a_key_defined_twice_is_refused(tmp_path: Path, old: str, new: str, key_path: str) -> None:
    path, line = mutate(tmp_path, old, new)
    assert (line, key_path) in where(path, "ref.duplicate")


def test_unknown_data_category_gets_a_suggestion(tmp_path: Path) -> None:
    path, line = mutate(
        tmp_path, "data_category: user.contact.email", "data_category: user.contact.emial"
    )
    found = fired(path, "taxonomy.unknown_category")
    assert [(p.line, p.path) for p in found] == [
        (line, "categories[contact].fields[email].data_category")
    ]
    assert found[0].fix == "did you mean 'user.contact.email'?"


def test_unknown_data_use_is_refused(tmp_path: Path) -> None:
    path, line = mutate(tmp_path, "data_use: marketing.communications", "data_use: marketing.spam")
    assert where(path, "taxonomy.unknown_use") == [(line, "purposes[newsletter].data_use")]


def test_a_security_measure_defined_twice_is_refused(tmp_path: Path) -> None:
    path, _ = mutate(
        tmp_path,
        "\nforms:\n",
        "\nsecurity:\n"
        "  - {key: encryption, title: Encryption, description: Records are encrypted.}\n"
        "  - {key: encryption, title: Encryption at rest, description: Keys are separate.}\n"
        "\nforms:\n",
    )
    assert where(path, "ref.duplicate") == [
        (
            line_of(path, "  - {key: encryption, title: Encryption at rest"),
            "security[encryption].key",
        )
    ]

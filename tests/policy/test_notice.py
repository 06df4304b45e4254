"""The privacy notice is generated from the policy and states what the policy says."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hippocratic.policy import wording
from hippocratic.policy.document import Policy
from hippocratic.policy.jit_notice import render_jit_notice
from hippocratic.policy.loader import load_policy
from hippocratic.policy.notice import build_notice, render_notice
from hippocratic.policy.ropa import render_ropa
from hippocratic.policy.wording import retention_rule


@pytest.fixture(scope="module")
def harmonic_md(harmonic: Policy) -> str:
    return render_notice(harmonic, "md")


@pytest.fixture(scope="module")
def harmony_md(harmony: Policy) -> str:
    return render_notice(harmony, "md")


@pytest.mark.promise("S0-02", "S0-03")
def test_notice_names_the_controller(harmonic_md: str) -> None:
    assert "Harmonic Medical Sonography Limited" in harmonic_md
    assert "company number 07634829" in harmonic_md
    assert "is the controller of your personal data" in harmonic_md
    assert "M14 7LU" in harmonic_md


@pytest.mark.promise("S0-109", "S0-124", "S1-39")
def test_notice_gives_the_privacy_contact(harmonic_md: str, harmony_md: str) -> None:
    assert "Data Protection Manager" in harmonic_md
    assert "Admin@harmonicmedicalsonography.com" in harmonic_md
    assert "Our Data Protection Officer" in harmony_md
    assert "info@harmonyhealthcare.co.uk" in harmony_md
    assert "0800 292 2331" in harmony_md
    assert "34 Lafone Street" in harmony_md


@pytest.mark.promise("S0-05", "S0-31", "S0-35")
def test_every_purpose_is_stated_with_its_lawful_basis(harmonic: Policy, harmonic_md: str) -> None:
    view = build_notice(harmonic)
    assert [p.key for p in view.purposes] == [p.key for p in harmonic.purposes]
    for purpose in view.purposes:
        assert f"### {purpose.title}" in harmonic_md
        assert purpose.lawful_basis in harmonic_md
    assert "UK GDPR Art. 9(2)(h)" in harmonic_md
    assert "DPA 2018 Sch. 1 Pt 1 para 2" in harmonic_md


@pytest.mark.promise("S1-05", "S1-06", "S1-07", "S1-08", "S1-09", "S1-10")
def test_every_category_and_field_is_listed(harmony: Policy, harmony_md: str) -> None:
    for category in harmony.categories:
        assert f"### {category.title}" in harmony_md
        for field in category.fields:
            assert (
                f"| {field.title} | {'Required' if field.required else 'Optional'} |" in harmony_md
            )


@pytest.mark.promise("S0-19")
def test_notice_says_what_happens_without_required_information(harmonic_md: str) -> None:
    assert "If you do not give us information marked as required" in harmonic_md


@pytest.mark.promise("S0-76", "S0-77", "S0-70", "S0-78", "L-09", "S1-31")
def test_retention_periods_are_stated_with_their_source(
    harmonic: Policy, harmonic_md: str, harmony_md: str
) -> None:
    for rule in harmonic.retention:
        assert retention_rule(rule) in harmonic_md
    assert "At least 8 years after your last appointment" in harmonic_md
    assert "At least 25 years after your care ended" in harmonic_md
    assert "180 days from when it was collected, then anonymised" in harmonic_md
    assert "NHS Records Management Code of Practice 2023" in harmonic_md
    assert "Until you opt out" in harmony_md


@pytest.mark.promise("S0-72", "S0-73")
def test_transfers_are_stated_with_their_safeguards(harmonic_md: str, harmony_md: str) -> None:
    section = harmonic_md.split('<a id="transfers"></a>')[1].split('<a id="retention"></a>')[0]
    assert section.count("UK-US data bridge") == 3
    assert "Meta Platforms (Meta Pixel) (US)" in section
    assert "We do not transfer your personal data outside the UK" in harmony_md


@pytest.mark.promise("S0-54", "S0-66", "S1-18", "S1-19", "S1-20", "S1-21")
def test_every_recipient_is_stated(
    harmonic: Policy, harmonic_md: str, harmony: Policy, harmony_md: str
) -> None:
    assert "We do not sell or rent your personal data." in harmonic_md
    for policy, text in ((harmonic, harmonic_md), (harmony, harmony_md)):
        for recipient in policy.recipients:
            assert f"| {recipient.name} |" in text


def test_a_recipient_of_aggregates_alone_says_so_where_categories_would_be(
    harmonic_md: str,
) -> None:
    row = next(line for line in harmonic_md.splitlines() if line.startswith("| Google Ads"))
    assert row.endswith("| None: aggregate counts only |")
    assert "Aggregated or anonymised data only." in row


@pytest.mark.promise("S0-56")
def test_recipients_we_tell_you_about_first_are_marked(harmonic_md: str) -> None:
    row = next(
        line for line in harmonic_md.splitlines() if line.startswith("| A buyer of our business")
    )
    assert "We tell you before we share." in row


@pytest.mark.promise(
    "S0-110",
    "S0-111",
    "S0-112",
    "S0-117",
    "S0-121",
    "S1-32",
    "S1-33",
    "S1-34",
    "S1-35",
    "S1-36",
    "S1-37",
    "S1-38",
)
def test_rights_are_listed(harmonic_md: str, harmony_md: str) -> None:
    for text in (harmonic_md, harmony_md):
        for right in (
            "Access",
            "Rectification",
            "Erasure",
            "Restriction",
            "Portability",
            "Objection",
            "Automated decisions",
        ):
            assert f"- **{right}.**" in text


@pytest.mark.promise("S0-116", "S0-88", "L-01")
def test_rights_deadline_fee_and_identity_checks_are_stated(
    harmonic_md: str, harmony_md: str
) -> None:
    assert "within one calendar month of receiving your request" in harmonic_md
    assert "manifestly unfounded or excessive we may charge a reasonable fee" in harmonic_md
    assert "There is no fee." in harmony_md
    assert "only where we have reasonable doubt" in harmonic_md


@pytest.mark.promise("S0-120", "L-09")
def test_complaint_to_the_ico_is_stated(harmonic_md: str, harmony_md: str) -> None:
    for text in (harmonic_md, harmony_md):
        assert "right to complain to the Information Commissioner's Office" in text
        assert "https://ico.org.uk/make-a-complaint/" in text


@pytest.mark.promise("S0-122", "S1-26")
def test_breach_notification_follows_each_policy(harmonic_md: str, harmony_md: str) -> None:
    assert "If there is a breach, or a likely breach" in harmonic_md
    assert "likely to result in a high risk to you" in harmony_md


def test_security_measures_say_tls_not_ssl(harmonic_md: str, harmony_md: str) -> None:
    assert "TLS 1.2 or later" in harmonic_md
    assert "Secure Sockets Layer" not in harmonic_md
    assert "encrypted with a key for each patient" in harmonic_md
    assert "TLS 1.2 or later" in harmony_md


@pytest.mark.promise("S0-90", "S0-91", "S0-94", "S0-95", "S0-99", "S0-100")
def test_cookie_register_with_opt_out_links(harmonic_md: str, harmony_md: str) -> None:
    assert (
        "| `_ga` | analytics | Google Analytics ([opt out](https://tools.google.com/dlpage/gaoptout)) |"
        in harmonic_md
    )
    assert (
        "| `_fbp` | advertising | Meta Pixel ([opt out](https://www.facebook.com/adpreferences)) |"
        in harmonic_md
    )
    assert "No cookie or tag other than essential ones is set until you agree" in harmonic_md
    assert "| `hh_analytics` | analytics |" in harmony_md


@pytest.mark.promise("S0-44", "S0-45", "S0-46", "S1-16", "S1-17")
def test_marketing_section(harmonic_md: str, harmony_md: str) -> None:
    for text in (harmonic_md, harmony_md):
        assert "only if you opted in" in text
        assert "Marketing never uses health information" in text
        assert "You can opt out at any time" in text


@pytest.mark.promise("S0-123")
def test_sections_are_numbered_and_every_internal_link_resolves(harmonic_md: str) -> None:
    anchors = set(re.findall(r'<a id="([a-z-]+)"></a>', harmonic_md))
    links = set(re.findall(r"\]\(#([a-z-]+)\)", harmonic_md))
    assert links <= anchors
    assert len(anchors) == 13
    headings = re.findall(r"^## (\d+)\. ", harmonic_md, flags=re.M)
    assert headings == [str(n) for n in range(1, 14)]


def test_html_notice_is_a_complete_accessible_page(harmonic: Policy) -> None:
    html = render_notice(harmonic, "html")
    assert html.startswith("<!doctype html>")
    assert '<html lang="en-GB">' in html
    assert html.count("<section id=") == 13
    assert '<th scope="col">' in html


def test_html_escapes_hostile_text(harmonic: Policy) -> None:
    hostile = harmonic.model_copy(
        update={
            "purposes": [
                harmonic.purposes[0].model_copy(update={"title": "<script>alert(1)</script>"}),
                *harmonic.purposes[1:],
            ]
        }
    )
    html = render_notice(hostile, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.promise("S1-02")
def test_harmonys_notice_covers_all_processing_not_only_the_website(harmony_md: str) -> None:
    assert "### Health data (special category: extra protection)" in harmony_md
    assert "| Healthcare professionals |" in harmony_md
    assert "### Providing healthcare services" in harmony_md


# A synthetic clinic, independent of the shipped policies: DPO with a phone, an IDTA transfer,
# legal-obligation and legitimate-interests purposes, an earlier notice version.
CLINIC = Path(__file__).parent / "fixtures" / "render_clinic.yaml"
HOSTILE = "<script>alert(1)</script> | x\n## injected"
HOSTILE_KEYS = {"title", "description", "why", "name", "wording", "withdrawal"}


@pytest.fixture(scope="module")
def clinic() -> Policy:
    return load_policy(CLINIC)


def _hostile(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            key: HOSTILE if key in HOSTILE_KEYS and isinstance(value, str) else _hostile(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_hostile(item) for item in data]
    return data


@pytest.fixture(scope="module")
def hostile_clinic() -> Policy:
    return Policy.model_validate(_hostile(yaml.safe_load(CLINIC.read_text(encoding="utf-8"))))


@pytest.mark.promise("S0-02", "S0-05", "L-09")
def test_clinic_notice_states_everything_its_policy_says(clinic: Policy) -> None:
    for fmt in ("md", "html"):
        text = html.unescape(render_notice(clinic, fmt))  # type: ignore[arg-type]
        assert "Riverside Physiotherapy Ltd, trading as Riverside Physio," in text
        assert "(company number 12345678)" in text
        assert "1 Example Wharf, Leeds, LS1 4AB" in text
        assert "Our Data Protection Officer answers questions" in text
        assert "dpo@riverside.example.org" in text
        assert "0113 496 0000" in text
        assert "Information Commissioner's Office, registration number ZA000000" in text
        assert "We work to: Cyber Essentials Plus." in text
        for category in clinic.categories:
            assert category.title in text
            for field in category.fields:
                assert field.title in text
                assert field.why in text
        assert "you, your referrer" in text
        for purpose in clinic.purposes:
            assert purpose.title in text
            assert wording.LAWFUL_BASIS[purpose.lawful_basis] in text
        assert "under Finance Act 1998 Sch. 18 para 21" in text
        assert "(UK GDPR Art. 9(2)(h)); DPA 2018 Sch. 1 Pt 1 para 2" in text
        for recipient in clinic.recipients:
            assert recipient.name in text
        assert "Notecloud Inc. (IN): the ICO's International Data Transfer Agreement" in text
        for rule in clinic.retention:
            assert retention_rule(rule) in text
            assert (rule.citation or "") in text
        assert "Until you opt out" in text
        for right in ("Access", "Rectification", "Erasure", "Portability", "Objection"):
            assert right in text
        assert "within one calendar month" in text
        assert "There is no fee." in text
        assert "https://ico.org.uk/make-a-complaint/" in text
        assert "Earlier versions: 3.0 (2025-06-01)" in text
        assert "We set no cookies other than those strictly necessary" in text


@pytest.mark.promise("S0-123")
def test_html_internal_links_all_resolve(clinic: Policy, harmonic: Policy) -> None:
    for policy in (clinic, harmonic):
        page = render_notice(policy, "html")
        targets = set(re.findall(r'href="#([^"]+)"', page))
        ids = set(re.findall(r'id="([^"]+)"', page))
        assert targets and targets <= ids
        numbered = re.findall(r"<h2>(\d+)\. ", page)
        assert numbered == [str(n) for n in range(1, len(numbered) + 1)]


def test_hostile_policy_text_is_inert_in_html(hostile_clinic: Policy) -> None:
    page = render_notice(hostile_clinic, "html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    jit = render_jit_notice(hostile_clinic, "intake", "html")
    assert "<script>" not in jit
    assert "&lt;script&gt;" in jit


def test_hostile_policy_text_is_inert_in_markdown(hostile_clinic: Policy) -> None:
    md = render_notice(hostile_clinic, "md")
    assert "<script>" not in md
    assert "\n## injected" not in md
    assert "## 1. Who we are" in md
    table: list[str] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            columns = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
            assert len(columns) == 1, table
            table = []
    assert "<script>" not in render_ropa(hostile_clinic, "md")
    assert "\n## injected" not in render_ropa(hostile_clinic, "md")


@pytest.mark.promise("S1-01", "S1-39")
def test_harmonys_notice_names_grapecroft_and_its_dpo(harmony_md: str) -> None:
    assert "Grapecroft Limited, trading as Harmony Healthcare," in harmony_md
    assert "Our Data Protection Officer answers questions" in harmony_md

"""Campaigns in the console: marketing drafts, counts and sends; the results show what went
and who unsubscribed; reception is told marketing is not theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.test_console_records import PAGE, as_
from tests.services.test_campaigns import BODY, opted_in, patient, smtp  # noqa: F401
from tests.services.test_soft_opt_in import SOFT, enable, soft_opt_in

from hippocratic.services.mailer import SMTP_HOST_ENV, SMTP_PORT_ENV, SmtpMailer
from hippocratic.services.store import Store


def test_marketing_drafts_counts_and_sends_from_the_console(
    client: TestClient,
    clinic: Store,
    smtp: tuple[SmtpMailer, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailer, received = smtp
    monkeypatch.setenv(SMTP_HOST_ENV, mailer.host)
    monkeypatch.setenv(SMTP_PORT_ENV, str(mailer.port))
    opted_in(clinic, patient(clinic, "Ada Example", "ada@example.org"), "email")
    mo = as_(client, clinic, "mo")
    assert "No campaigns yet" in client.get("/console/campaigns", headers=PAGE).text
    counted = client.post(
        "/console/campaigns/audience", data={"csrf": mo.csrf, "channel": "email"}, headers=PAGE
    )
    assert "1 person would get a message by email now" in counted.text
    drafted = client.post(
        "/console/campaigns",
        data={"csrf": mo.csrf, "name": "Evening clinics", "channel": "email",
              "subject_line": "News", "body": BODY},
        follow_redirects=False,
    )  # fmt: skip
    assert drafted.status_code == 303, drafted.text
    (campaign,) = client.get("/console/campaigns.json").json()["data"]["campaigns"]
    sent = client.post(
        f"/console/campaigns/{campaign['campaign_id']}/send",
        data={"csrf": mo.csrf},
        headers=PAGE,
    )
    assert "Sent 1 of 1" in sent.text
    assert [m["To"] for m in received.messages] == ["ada@example.org"]
    assert "1 sent, 0 unsubscribed" in client.get("/console/campaigns", headers=PAGE).text
    no_link = client.post(
        "/console/campaigns",
        data={"csrf": mo.csrf, "name": "x", "channel": "email", "subject_line": "x",
              "body": "Hello {name}"},
        headers=PAGE,
    )  # fmt: skip
    assert no_link.status_code == 400 and "unsubscribe link" in no_link.text


def test_reception_is_told_marketing_is_not_theirs(client: TestClient, clinic: Store) -> None:
    as_(client, clinic, "rita")
    page = client.get("/console/campaigns", headers=PAGE)
    assert page.status_code == 200
    assert "may not use personal data for “Telling you about our services”" in page.text


@pytest.mark.promise("S0-42")
def test_with_soft_opt_in_a_campaign_names_its_service_and_reaches_only_similar_buyers(
    client: TestClient, clinic: Store, tmp_path: Path
) -> None:
    enable(clinic, tmp_path, SOFT)
    soft_opt_in(clinic, patient(clinic, "Ada Example", "ada@example.org"))
    mo = as_(client, clinic, "mo")
    page = client.get("/console/campaigns", headers=PAGE).text
    assert '<option value="body_composition_scan">Body composition scan</option>' in page
    assert 'value="early_pregnancy_scan"' not in page  # reveals health: never offered
    about = {"csrf": mo.csrf, "channel": "email", "service": "body_composition_scan"}
    counted = client.post("/console/campaigns/audience", data=about, headers=PAGE)
    assert "1 person would get a message by email now" in counted.text
    other = client.post(
        "/console/campaigns/audience", data={**about, "service": "gift_voucher"}, headers=PAGE
    )
    assert "0 people would get a message by email now" in other.text

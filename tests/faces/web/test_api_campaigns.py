"""Marketing over the API and the unsubscribe page: a campaign drafted and counted by the
marketing role only, health data refused as a 403 with its rule, and the link in a message
that unsubscribes in one click (RFC 8058) or one button, with no sign-in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import token
from tests.services.clinic import actor
from tests.services.test_campaigns import BODY, Outbox, draft, opted_in, patient

from hippocratic.services.campaigns import Campaigns
from hippocratic.services.consents import Consents
from hippocratic.services.store import Store


def test_a_campaign_is_drafted_and_counted_by_marketing_only(
    client: TestClient, clinic: Store
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "email")
    mo, rita = token(clinic, "harmonic", "mo"), token(clinic, "harmonic", "rita")
    counted = client.post("/api/v1/campaigns/audience", json={"channel": "email"}, headers=mo)
    assert (counted.status_code, counted.json()["data"]) == (200, {"count": 1})
    made = client.post(
        "/api/v1/campaigns",
        json={"name": "Evening clinics", "channel": "email", "subject_line": "News",
              "body": BODY},
        headers=mo,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert client.get("/api/v1/campaigns", headers=mo).json()["data"][0]["name"] == (
        "Evening clinics"
    )
    refused = client.post("/api/v1/campaigns/audience", json={"channel": "email"}, headers=rita)
    assert refused.status_code == 403


@pytest.mark.promise("S0-45")
def test_an_audience_on_the_service_bought_is_a_403_naming_the_rule(
    client: TestClient, clinic: Store
) -> None:
    refused = client.post(
        "/api/v1/campaigns/audience",
        json={"channel": "email", "criteria": [{"fact": "service_booked", "value": "scan"}]},
        headers=token(clinic, "harmonic", "mo"),
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert "marketing:firewall/category:purchases" in error["details"]["rules"]
    assert "health" in error["message"]


@pytest.mark.promise("S0-13", "S1-17", "S0-108")
def test_the_link_in_a_message_unsubscribes_without_sign_in(
    client: TestClient, clinic: Store
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "email")
    outbox = Outbox()
    Campaigns(clinic, actor("harmonic", "mo")).send(draft(clinic), outbox)
    url = outbox.messages[0]["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("/", 3)[3]
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Stop Harmonic Medical Sonography" in page.text
    assert page.headers["referrer-policy"] == "same-origin"  # the link's address stays here
    assert ada not in path
    assert _live(clinic, ada)  # following the link alone changes nothing (mail scanners)
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert not _live(clinic, ada)
    forged = client.post(path[:-3] + "abc", headers={"accept": "application/json"})
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "unsubscribe.invalid"


def _live(store: Store, subject: str) -> bool:
    history = Consents(store, actor("harmonic", "dee")).history(subject, "rights_requests")
    return any(n.live for n in history.current if n.channel == "email")

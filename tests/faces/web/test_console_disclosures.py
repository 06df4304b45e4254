"""The console's disclosures: the sonographer sends the report to the referrer from the
patient's page (and its JSON twin shows it), the DPO works the Art. 19 notices a corrected date
of birth queued, and nobody else sees that queue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.clinic_client import SignedIn, signed_in, use_session
from tests.faces.web.test_console_records import PAGE
from tests.services.clinic import actor
from tests.services.test_disclosures import REFERRER, referred

from hippocratic.policy.settings import RightName
from hippocratic.services.rectification import Rectification
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store


def as_(client: TestClient, store: Store, username: str) -> SignedIn:
    who = signed_in(store, "harmonic", username)
    use_session(client, who)
    return who


@pytest.mark.promise("L-03", "S0-74")
def test_a_report_sent_from_the_console_and_the_art19_notice_it_later_needs(
    client: TestClient, clinic: Store
) -> None:
    subject, referral_id = referred(clinic)
    sam = as_(client, clinic, "sam")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert "Disclose to…" in page and "Nothing disclosed." in page
    assert 'value="google_ads"' not in page  # advertisers are never offered
    form = {
        "recipient": "referrers",
        "purpose": "care",
        "fields": ["full_name", "date_of_birth", "scan_report"],
        "channel": "secure_email",
        "referral": referral_id,
        "csrf": sam.csrf,
    }
    sent = client.post(
        f"/console/patients/{subject}/disclosures", data=form, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("#disclosures")
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert f"Referring clinicians and GPs ({REFERRER})" in page
    twin = client.get(f"/console/patients/{subject}.json").json()["data"]["disclosures"]
    [made] = twin["shown"]["items"]
    assert (made["recipient"], made["party"]) == ("referrers", REFERRER)
    wrong = client.post(
        f"/console/patients/{subject}/disclosures",
        data={**form, "party": "Dr Nobody"},
        follow_redirects=False,
    )
    assert wrong.status_code == 403

    rights = Rectification(clinic, actor("harmonic", "rita"))
    request = rights.submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "Wrong DOB")
    )
    rights.correct(request.request_id, "date_of_birth", "1990-06-16")
    assert client.get("/console/art19-notices", headers=PAGE).status_code == 403  # sam
    dee = as_(client, clinic, "dee")
    queue = client.get("/console/art19-notices", headers=PAGE).text
    assert "Referring clinicians and GPs" in queue and "Date of birth" in queue
    [notice] = client.get("/console/art19-notices.json").json()["data"]
    done = client.post(
        f"/console/art19-notices/{notice['notice_id']}/sent",
        data={"csrf": dee.csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/console/art19-notices.json").json()["data"] == []
    assert "None to send." in client.get("/console/art19-notices", headers=PAGE).text

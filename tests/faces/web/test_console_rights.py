"""Rights requests in the console: reception records a letter with the day it arrived, the
DPO's queue shows it with days left and a warning near the deadline, the request page walks it
through identity, gathering, review, a second person's check and release; a failed step shows
on the queue with its log; the patient page lists the patient's requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.faces.web.test_console_records import PAGE, as_, booked

from hippocratic.domain.clock import FixedClock
from hippocratic.services.access_package import AccessCollector
from hippocratic.services.store import Store


def record_letter(client: TestClient, clinic: Store, subject: str, right: str = "access") -> str:
    rita = as_(client, clinic, "rita")
    made = client.post(
        "/console/rights",
        data={"csrf": rita.csrf, "subject": subject, "right": right, "channel": "letter",
              "received_on": "2026-11-23", "received_time": "10:15",
              "detail": "A copy of everything"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    return made.headers["location"].rsplit("/", 1)[1]


@pytest.mark.promise("S1-39", "L-01", "S0-110")
def test_a_letter_is_recorded_queued_and_answered_from_the_console(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    request_id = record_letter(client, clinic, subject)
    page = client.get(f"/console/patients/{subject}", headers=PAGE).text
    assert f"/console/rights/{request_id}" in page and "Record a rights request" in page

    dee = as_(client, clinic, "dee")
    queue = client.get("/console/rights.json").json()["data"]["shown"]
    assert [(q["request"]["request_id"], q["request"]["due"]) for q in queue] == [
        (request_id, "2026-12-23")
    ]
    html = client.get("/console/rights", headers=PAGE).text
    assert "29 days left" in html and "Ada Example" in html
    shown = client.get(f"/console/rights/{request_id}", headers=PAGE).text
    assert "How the date is worked out" in shown and "no reasonable doubt" in shown
    built = client.post(
        f"/console/rights/{request_id}/build", data={"csrf": dee.csrf}, follow_redirects=False
    )
    assert built.status_code == 303
    shown = client.get(f"/console/rights/{request_id}", headers=PAGE).text
    assert "Gather it again" in shown and "/package?format=pdf" in shown
    rita = as_(client, clinic, "rita")
    checked = client.post(
        f"/console/rights/{request_id}/check", data={"csrf": rita.csrf}, follow_redirects=False
    )
    assert checked.status_code == 303, checked.text
    dee = as_(client, clinic, "dee")
    client.post(f"/console/rights/{request_id}/release", data={"csrf": dee.csrf})
    done = client.get(f"/console/rights/{request_id}.json").json()["data"]
    assert done["request"]["status"] == "completed"
    assert done["letters"] == ["acknowledgement", "completion"]
    letter = client.get(f"/console/rights/{request_id}/letters/completion", headers=PAGE)
    assert "ico.org.uk" in letter.text
    package = client.get(f"/console/rights/{request_id}/package?format=html", headers=PAGE)
    assert package.status_code == 200 and "Who accessed your record" in package.text


def test_the_queue_warns_near_the_deadline_and_shows_a_failed_step(
    client: TestClient, clinic: Store, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = booked(client, clinic)["subject_id"]
    request_id = record_letter(client, clinic, subject)
    dee = as_(client, clinic, "dee")

    def outage(*args: object, **kwargs: object) -> object:
        raise OSError("the key store did not answer")

    monkeypatch.setattr(AccessCollector, "collect", outage)
    with pytest.raises(OSError, match="key store"):
        client.post(f"/console/rights/{request_id}/build", data={"csrf": dee.csrf})
    clock.advance(timedelta(days=25))
    as_(client, clinic, "dee")  # a new day, a new sign-in
    html = client.get("/console/rights", headers=PAGE).text
    assert 'class="warning"' in html and "4 day(s) left" in html
    assert "build failed" in html and "OSError: the key store did not answer" in html
    clock.advance(timedelta(days=6))
    as_(client, clinic, "dee")
    html = client.get("/console/rights", headers=PAGE).text
    assert 'class="overdue"' in html and "overdue by 2 day(s)" in html


def test_a_bad_form_is_a_clear_error_and_nothing_is_recorded(
    client: TestClient, clinic: Store
) -> None:
    subject = booked(client, clinic)["subject_id"]
    rita = as_(client, clinic, "rita")
    bad = client.post(
        "/console/rights",
        data={"csrf": rita.csrf, "subject": subject, "right": "access", "channel": "letter",
              "received_on": "23/11/2026"},
        headers=PAGE,
    )  # fmt: skip
    assert bad.status_code == 400 and "is not a date" in bad.text
    as_(client, clinic, "dee")
    assert client.get("/console/rights.json").json()["data"]["shown"] == []


@pytest.mark.promise("L-07")
def test_a_clinician_decides_on_a_childs_competence_from_the_request_page(
    client: TestClient, clinic: Store
) -> None:
    from tests.services.test_child_access import parent_asks

    _, request_id = parent_asks(clinic, "2011-06-01")
    sam = as_(client, clinic, "sam")
    page = client.get(f"/console/rights/{request_id}", headers=PAGE)
    assert page.status_code == 200 and "a clinician decides first" in page.text
    decided = client.post(
        f"/console/rights/{request_id}/competence",
        data={
            "csrf": sam.csrf,
            "competent": "no",
            "reason": "too young to weigh it up yet, in my view",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    steps = client.get(f"/console/rights/{request_id}.json").json()["data"]["request"]["steps"]
    assert [s["name"] for s in steps][-2:] == ["competence:parent_may_see", "competence"]

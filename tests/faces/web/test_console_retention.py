"""The DPO's retention page: a hold placed and lifted, a review signed off, the forecast as an
inline SVG with its table, and the JSON twin; reception is told the page is the DPO's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from tests.faces.web.test_console_fraud import as_
from tests.services.test_retention_sweep import patient

from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage.retention import RetentionHoldRow, RetentionReviewRow


def test_the_dpo_places_and_lifts_a_hold_signs_off_a_review_and_sees_the_forecast(
    client: TestClient, clinic: Store
) -> None:
    subject = patient(clinic, seen=datetime(2018, 12, 20, 10, tzinfo=UTC))
    RetentionSweep(clinic, "harmonic").run(date(2026, 12, 20))
    dee = as_(client, clinic, "dee")
    page = client.get("/console/retention")
    assert page.status_code == 200, page.text
    assert "the whole record under the rule" in page.text and "<svg" in page.text
    assert "No holds in place" in page.text
    twin = client.get("/console/retention.json").json()["data"]
    [review] = twin["reviews"]["shown"]
    assert review["subject_id"] == subject and review["rule"] == "adult_health_record"
    assert len(twin["forecast"]["months"]) == 12
    placed = client.post(
        "/console/retention/holds",
        data={
            "subject": subject,
            "kind": "complaint",
            "reason": "complaint received",
            "owner": "dee",
            "csrf": dee.csrf,
        },
        follow_redirects=False,
    )
    assert placed.status_code == 303
    assert "complaint received" in client.get("/console/retention").text
    with clinic.sessions() as session:
        hold = session.query(RetentionHoldRow).one()
    client.post(
        f"/console/retention/holds/{hold.hold_id}/lift",
        data={"reason": "resolved", "csrf": dee.csrf},
    )
    signed = client.post(
        f"/console/retention/reviews/{review['review_id']}",
        data={
            "decision": "keep",
            "keep_until": "2027-06-01",
            "reason": "follow-up scan planned",
            "csrf": dee.csrf,
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    with clinic.sessions() as session:
        row = session.get(RetentionReviewRow, ("harmonic", review["review_id"]))
        assert row is not None and row.decision == "keep" and row.keep_until == date(2027, 6, 1)
        assert session.get(RetentionHoldRow, ("harmonic", hold.hold_id)).lifted_by == "dee"  # type: ignore[union-attr]
    assert "Nothing waiting for review" in client.get("/console/retention").text


def test_reception_is_told_the_retention_page_is_the_dpos(
    client: TestClient, clinic: Store
) -> None:
    as_(client, clinic, "rita")
    page = client.get("/console/retention")
    assert page.status_code == 200 and "Not shown to you" in page.text and "<svg" not in page.text

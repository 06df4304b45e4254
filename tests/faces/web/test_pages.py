"""The web app: every page has a JSON twin; errors are the JSON envelope; no cookies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.policy.loader import load_policy
from hippocratic.services import notices


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "notices"


@pytest.fixture
def client(archive: Path) -> TestClient:
    return TestClient(create_app(SHIPPED_POLICIES, archive))


def test_index_lists_both_organisations(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Harmonic Medical Sonography" in page.text
    assert "Harmony Healthcare" in page.text
    twin = client.get("/index.json").json()
    assert {o["key"] for o in twin["data"]} == {"harmonic", "harmony"}


@pytest.mark.promise("S0-02", "S1-01")
def test_notice_page_and_its_json_twin(client: TestClient) -> None:
    page = client.get("/harmonic/privacy")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "07634829" in page.text
    twin = client.get("/harmonic/privacy.json").json()
    assert twin["ok"] is True
    assert twin["data"]["company_number"] == "07634829"
    assert client.get("/harmony/privacy.md").text.startswith("# Privacy notice: Harmony Healthcare")


@pytest.mark.promise("S0-06")
def test_form_notice_and_twin(client: TestClient) -> None:
    page = client.get("/harmonic/forms/booking/notice")
    assert page.status_code == 200
    assert "Book a scan" in page.text
    twin = client.get("/harmonic/forms/booking/notice.json").json()
    assert [p["key"] for p in twin["data"]["purposes"]] == ["care"]


def test_ropa_page_csv_and_twin(client: TestClient) -> None:
    assert "Record of processing activities" in client.get("/harmony/ropa").text
    assert client.get("/harmony/ropa.csv").headers["content-type"].startswith("text/csv")
    assert client.get("/harmony/ropa.json").json()["ok"] is True


@pytest.mark.promise("S0-01")
def test_published_versions_are_listed_and_retrievable(client: TestClient, archive: Path) -> None:
    policy = load_policy(SHIPPED_POLICIES[0])
    notices.publish(policy, archive, FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    org, version = policy.organisation.key, policy.notice.version
    twin = client.get(f"/{org}/notice/versions.json").json()
    assert [r["version"] for r in twin["data"]] == [version]
    assert version in client.get(f"/{org}/notice/versions").text
    text = client.get(f"/{org}/notice/versions/{version}.md")
    assert text.status_code == 200
    assert text.text.startswith("# Privacy notice")


@pytest.mark.parametrize(
    "path",
    ["/nope/privacy", "/nope/privacy.json", "/harmonic/forms/nope/notice", "/no/such/page/at/all"],
)
def test_errors_use_the_envelope(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == "not_found"


@pytest.mark.promise("S0-09")
def test_pages_set_no_cookies_and_send_security_headers(client: TestClient) -> None:
    response = client.get("/harmonic/privacy")
    assert "set-cookie" not in response.headers
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"

"""The web app: every page has a JSON twin; errors are the JSON envelope; no cookies."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import PolicyInvalid
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
    assert [p["key"] for p in twin["data"]["purposes"]] == ["care", "marketing"]


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


CLINIC = Path(__file__).resolve().parents[2] / "policy" / "fixtures" / "render_clinic.yaml"
HREF = re.compile(r'<(?:a|link)\b[^>]*\bhref="([^"]+)"')
ALTERNATE = re.compile(r'<link rel="alternate" type="application/json" href="([^"]+)">')


@pytest.fixture
def clinic_client(archive: Path) -> TestClient:
    return TestClient(create_app([*SHIPPED_POLICIES, CLINIC], archive))


def _crawl(client: TestClient) -> dict[str, str]:
    """Every page reachable from the index by same-site links, with its HTML."""
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        assert "set-cookie" not in response.headers, url
        assert response.headers["x-content-type-options"] == "nosniff", url
        seen[url] = response.text if "html" in response.headers["content-type"] else ""
        for href in HREF.findall(seen[url]):
            target = urljoin(f"http://testserver{url}", html.unescape(href))
            if target.startswith("http://testserver/"):
                queue.append(target.removeprefix("http://testserver").split("#")[0])
    return seen


@pytest.mark.promise("S0-123", "S0-09")
def test_every_link_resolves_and_every_page_has_a_json_twin(
    clinic_client: TestClient, archive: Path
) -> None:
    notices.publish(load_policy(CLINIC), archive, FixedClock(datetime(2026, 3, 1, tzinfo=UTC)))
    pages = _crawl(clinic_client)
    assert "/riverside/privacy" in pages
    assert "/riverside/forms/booking/notice" in pages
    assert "/riverside/notice/versions/3.1.html" in pages
    for url, text in pages.items():
        if not text.startswith("<!doctype html>"):
            continue
        assert '<html lang="en-GB">' in text, url
        assert "<h1>" in text, url
        (twin,) = ALTERNATE.findall(text) or [None]
        assert twin is not None, f"{url} has no JSON twin"
        body = clinic_client.get(urljoin(url, twin)).json()
        assert body["ok"] is True, url


@pytest.mark.promise("S0-123")
@pytest.mark.parametrize(
    ("org", "form", "version"),
    [("riverside", "intake", "3.1"), ("harmonic", "booking", "2024-11-18")],
)
def test_jit_notice_link_leads_to_the_current_notice(
    clinic_client: TestClient, org: str, form: str, version: str
) -> None:
    """Served form notices link to the notice served beside them, even where the policy names
    the clinic's own website as the notice's home."""
    page = clinic_client.get(f"/{org}/forms/{form}/notice").text
    (link,) = re.findall(r'href="([^"]+)">full privacy notice', page)
    assert link == f"/{org}/privacy"
    notice = clinic_client.get(link)
    assert notice.status_code == 200
    assert f"Version {version}, effective" in notice.text
    twin = clinic_client.get(f"/{org}/forms/{form}/notice.json").json()["data"]
    assert twin["notice_url"] == link


def test_an_unsound_policy_is_refused_at_start(tmp_path: Path) -> None:
    text = CLINIC.read_text(encoding="utf-8").replace(
        "recipients: [gp_practice, cloud_notes]", "recipients: [gp_practice, nowhere]"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyInvalid) as caught:
        create_app([bad])
    assert "nowhere" in caught.value.message
    assert "policy check" in (caught.value.hint or "")


def test_ropa_page_is_a_table_with_row_headers(clinic_client: TestClient) -> None:
    page = clinic_client.get("/riverside/ropa").text
    assert '<th scope="row">Art. 9 condition and DPA 2018 Sch. 1</th>' in page
    assert "Notecloud Inc.: IN, the ICO&#39;s International Data Transfer Agreement" in page
    rows = clinic_client.get("/riverside/ropa.csv").text.splitlines()
    assert rows[0].startswith("Controller and DPO (Art. 30(1)(a))")


def test_unknown_version_and_org_are_enveloped_404s(clinic_client: TestClient) -> None:
    for url in ("/riverside/notice/versions/9.9.md", "/nobody/ropa.csv", "/nobody/notice/versions"):
        response = clinic_client.get(url)
        assert response.status_code == 404, url
        assert response.json()["ok"] is False
        assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_an_unexpected_failure_is_an_enveloped_500_without_details(archive: Path) -> None:
    app = create_app([CLINIC], archive)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["ok"] is False
    assert "secret internals" not in response.text

"""S0-04: the website's terms of use incorporate the privacy notice and link to the permanent
address of its version in force; terms and notice are versioned together."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hippocratic.domain.clock import FixedClock
from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.policy.loader import load_policy
from hippocratic.services import notices

NOTICE_LINK = re.compile(r'<a href="([^"]+)" data-notice-version="([^"]+)">')


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "notices"


@pytest.fixture
def client(archive: Path) -> TestClient:
    return TestClient(create_app(SHIPPED_POLICIES, archive))


def _notice_link(page: str) -> tuple[str, str]:
    (found,) = NOTICE_LINK.findall(page)
    return found[0], found[1]


@pytest.mark.promise("S0-04")
@pytest.mark.parametrize("path", SHIPPED_POLICIES, ids=lambda p: p.stem)
def test_the_terms_link_to_the_current_notice_version(
    client: TestClient, archive: Path, path: Path
) -> None:
    policy = load_policy(path)
    org, version = policy.organisation.key, policy.notice.version
    notices.publish(policy, archive, FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    page = client.get(f"/{org}/terms")
    assert page.status_code == 200
    assert f"Version {version}, effective {policy.notice.effective_date.isoformat()}" in page.text
    assert "forms part of these terms" in page.text
    assert policy.organisation.legal_name in page.text
    link, linked_version = _notice_link(page.text)
    assert (link, linked_version) == (f"/{org}/notice/versions/{version}.html", version)
    notice = client.get(link)
    assert notice.status_code == 200
    assert notice.text == notices.version_text(org, version, "html", archive)
    assert f"Version {version}" in notice.text
    twin = client.get(f"/{org}/terms.json").json()["data"]
    assert (twin["version"], twin["notice_version"], twin["notice_url"]) == (version, version, link)
    assert twin["current"] is True


@pytest.mark.promise("S0-04")
def test_the_link_resolves_before_the_version_is_published(client: TestClient) -> None:
    """The notice in force, not yet kept in the archive, is served at its versioned address
    from the policy, so the terms never link to nothing."""
    policy = load_policy(SHIPPED_POLICIES[0])
    org, version = policy.organisation.key, policy.notice.version
    link, _ = _notice_link(client.get(f"/{org}/terms").text)
    notice = client.get(link)
    assert notice.status_code == 200
    assert f"Version {version}" in notice.text
    assert client.get(f"/{org}/notice/versions/0.0.1.html").status_code == 404


def test_an_earlier_version_of_the_terms_links_to_its_own_notice_version(
    client: TestClient, archive: Path
) -> None:
    policy = load_policy(SHIPPED_POLICIES[0])
    org = policy.organisation.key
    older = policy.model_copy(
        update={
            "notice": policy.notice.model_copy(
                update={"version": "2020-01-01", "effective_date": date(2020, 1, 1)}
            )
        }
    )
    notices.publish(older, archive, FixedClock(datetime(2020, 1, 1, tzinfo=UTC)))
    notices.publish(policy, archive, FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    versions = client.get(f"/{org}/notice/versions").text
    assert f'href="/{org}/terms/versions/2020-01-01"' in versions
    page = client.get(f"/{org}/terms/versions/2020-01-01")
    assert page.status_code == 200
    assert "Version 2020-01-01, effective 2020-01-01" in page.text
    assert "earlier version" in page.text
    link, _ = _notice_link(page.text)
    assert link == f"/{org}/notice/versions/2020-01-01.html"
    assert client.get(link).status_code == 200
    twin = client.get(f"/{org}/terms/versions/2020-01-01.json").json()["data"]
    assert (twin["version"], twin["current"]) == ("2020-01-01", False)
    missing = client.get(f"/{org}/terms/versions/1999-01-01")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_terms_are_linked_from_the_index_and_the_demo_site(client: TestClient) -> None:
    index = client.get("/").text
    assert 'href="/harmonic/terms"' in index
    assert client.get("/index.json").json()["data"][0]["terms"].endswith("/terms")
    assert 'href="/harmonic/terms"' in client.get("/demo/site?org=harmonic").text

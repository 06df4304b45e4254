"""``/{org}/consent.js`` and what it talks to, over HTTP on both engines: the script generated
from each policy, under 10 kB gzipped; the receipts it posts; the withdrawal endpoint that
expires HttpOnly cookies; and nothing set or recorded by merely visiting."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import HARMONIC_POLICY

from hippocratic.faces.web.app import HERE, SHIPPED_POLICIES, create_app
from hippocratic.faces.web.site.banner import PLACEHOLDER, consent_script
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.cookie_banner import BANNER_VERSION, banner_sha256
from hippocratic.services.cookie_consent import CookieReceipts
from hippocratic.services.store import Store

CSS = HERE / "static" / "site" / "consent.css"
VISITOR = "abcdef0123456789abcdef0123456789"
LIMIT = 10 * 1024


def _config(script: str) -> dict[str, Any]:
    start = script.rindex("})(window, document, ") + len("})(window, document, ")
    return dict(json.loads(script[start : script.rindex(");")]))


def _receipt(store: Store, org: str = "harmonic", **changes: Any) -> dict[str, Any]:
    policy = store.policy_of(org)
    return {
        "visitor": VISITOR,
        "action": "reject_all",
        "categories": [],
        "banner_version": BANNER_VERSION,
        "banner_sha256": banner_sha256(policy),
        "notice_version": policy.notice.version,
        "gpc": False,
    } | changes


@pytest.mark.parametrize("org", ["harmonic", "harmony"])
def test_the_script_is_generated_from_each_policy(client: TestClient, org: str) -> None:
    response = client.get(f"/{org}/consent.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["vary"] == "Sec-GPC"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert PLACEHOLDER not in response.text
    config = _config(response.text)
    assert config["org"] == org
    assert config["endpoint"] == f"http://127.0.0.1/{org}/consent"
    assert client.get(f"/{org}/consent.json").json()["data"] == config


@pytest.mark.parametrize("org", ["harmonic", "harmony"])
def test_the_generated_script_is_valid_javascript(org: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser tests run the script too)")
    policy = load_sound_policy(HARMONIC_POLICY if org == "harmonic" else SHIPPED_POLICIES[1])
    script = tmp_path / "consent.js"
    script.write_text(consent_script(policy, "http://x", gpc=False, demo=True), encoding="utf-8")
    subprocess.run([node, "--check", str(script)], check=True, capture_output=True)


def test_the_banner_is_under_10_kb_gzipped() -> None:
    """The largest script (Harmonic's, with the demo's stand-ins) and its stylesheet."""
    policy = load_sound_policy(HARMONIC_POLICY)
    script = consent_script(policy, "https://hippocratic.example", gpc=True, demo=True)
    size = len(gzip.compress(script.encode(), 9)) + len(gzip.compress(CSS.read_bytes(), 9))
    assert size < LIMIT, size


def test_global_privacy_control_reaches_the_script(client: TestClient) -> None:
    assert _config(client.get("/harmonic/consent.js").text)["gpc"] is False
    sent = client.get("/harmonic/consent.js", headers={"Sec-GPC": "1"})
    assert _config(sent.text)["gpc"] is True


@pytest.mark.promise("S0-103")
def test_a_choice_posted_by_the_banner_is_kept(client: TestClient, clinic: Store) -> None:
    body = json.dumps(_receipt(clinic, action="choose", categories=["analytics"]))
    response = client.post(
        "/harmonic/consent/receipts",
        content=body,
        headers={"content-type": "text/plain", "Sec-GPC": "1", "origin": "https://clinic.example"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["ok"] is True
    [kept] = CookieReceipts(clinic, "harmonic").of_visitor(VISITOR)
    assert kept.receipt_id == response.json()["data"]["receipt"]
    assert (kept.categories, kept.gpc) == (["analytics"], True)


@pytest.mark.promise("S1-04")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "input.invalid"),
        ('["a list"]', 400, "input.invalid"),
        ({"action": "implied"}, 400, "input.invalid"),
        ({"action": "browsing"}, 400, "input.invalid"),
        ({"banner_sha256": "0" * 64}, 409, "conflict"),
    ],
)
def test_a_bad_receipt_is_refused_in_the_envelope(
    client: TestClient, clinic: Store, body: Any, status: int, code: str
) -> None:
    content = body if isinstance(body, str) else json.dumps(_receipt(clinic, **body))
    response = client.post("/harmonic/consent/receipts", content=content)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert CookieReceipts(clinic, "harmonic").count() == 0


@pytest.mark.promise("S0-09", "S1-04")
def test_visiting_sets_no_cookie_and_records_no_consent(client: TestClient, clinic: Store) -> None:
    for path in ["/harmonic/consent.js", "/harmony/consent.json", "/demo/site",
                 "/demo/site/early-pregnancy-scan", "/demo/site?org=harmony", "/demo/site/leaky"]:  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
    assert CookieReceipts(clinic, "harmonic").count() == 0
    assert CookieReceipts(clinic, "harmony").count() == 0


def _consent_cookie(store: Store, categories: str) -> str:
    policy = store.policy_of("harmonic")
    now = int(store.clock.now().timestamp())
    sha = banner_sha256(policy)[:12]
    return f"1|{VISITOR}|{categories}|{BANNER_VERSION}|{sha}|{policy.notice.version}|{now}"


@pytest.mark.promise("S0-104")
def test_withdrawal_expires_httponly_cookies_server_side(client: TestClient, clinic: Store) -> None:
    cookies = {"_ga": "GA1.1.1.1", "_ga_DEMO": "x", "_fbp": "fb.1", "hms_lang": "cy",
               "hms_consent": _consent_cookie(clinic, "analytics")}  # fmt: skip
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    response = client.post("/harmonic/consent/cookies/clear", headers={"cookie": header})
    assert response.status_code == 200
    assert response.json()["data"]["kept"] == ["analytics"]
    expired = response.headers.get_list("set-cookie")
    names = {line.split("=")[0] for line in expired}
    assert {"_fbp", "_fbc", "_gcl_au", "hms_lang"} <= names
    assert not {"_ga", "_ga_DEMO", "hms_consent"} & names
    assert all("Max-Age=0" in line and "Path=/" in line for line in expired)
    withdrawn = client.post(
        "/harmonic/consent/cookies/clear",
        headers={"cookie": header.replace("|analytics|", "||")},
    )
    names = {line.split("=")[0] for line in withdrawn.headers.get_list("set-cookie")}
    assert {"_ga", "_ga_DEMO", "_fbp", "hms_lang"} <= names
    assert "hms_consent" not in names


@pytest.mark.promise("S0-93")
def test_the_demo_remembers_a_language_only_with_functional_consent(
    client: TestClient, clinic: Store
) -> None:
    refused = client.get("/demo/site/language?lang=cy", follow_redirects=False)
    assert refused.status_code == 303
    assert "set-cookie" not in refused.headers
    allowed = client.get(
        "/demo/site/language?lang=cy",
        headers={"cookie": f"hms_consent={_consent_cookie(clinic, 'functional')}"},
        follow_redirects=False,
    )
    assert allowed.headers["set-cookie"].startswith("hms_lang=cy;")
    assert "HttpOnly" in allowed.headers["set-cookie"]
    assert client.get("/demo/site/language?lang=xx").status_code == 400


def test_only_the_video_stand_in_may_be_framed_and_only_by_this_site(client: TestClient) -> None:
    video = client.get("/demo/stand-in/youtube/embed/tour")
    assert video.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in video.headers["content-security-policy"]
    page = client.get("/demo/site")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]


def test_without_a_store_the_banner_is_served_but_keeps_no_receipts(tmp_path: Path) -> None:
    notices_only = TestClient(create_app(SHIPPED_POLICIES, tmp_path / "archive"))
    assert notices_only.get("/harmonic/consent.js").status_code == 200
    assert notices_only.get("/demo/site").status_code == 200
    refused = notices_only.post("/harmonic/consent/receipts", content="{}")
    assert refused.status_code == 404
    assert notices_only.get("/nobody/consent.js").status_code == 404


@pytest.mark.promise("S0-09")
def test_the_demo_sites_optional_tags_are_inert_until_the_banner_activates_them(
    client: TestClient,
) -> None:
    page = client.get("/demo/site").text
    head = page.split("</head>")[0]
    assert head.index("/harmonic/consent.js") < head.index("/demo/stand-in/gtag/js")
    tags = re.findall(r"<(?:script|iframe|img)\b[^>]*>", page)
    stand_ins = [t for t in tags if "/demo/stand-in/" in t or "demo-gtag" in t or "demo-meta" in t]
    assert len(stand_ins) >= 6
    for tag in stand_ins:
        assert "data-consent=" in tag and ' src="' not in tag, tag
        assert "<script" not in tag or 'type="text/plain"' in tag, tag
    leaky = client.get("/demo/site/leaky").text
    assert '<script src="/demo/stand-in/gtag/js?id=G-DEMO0001" async>' in leaky
    assert "/demo/site/leaky" not in page  # never linked from the site itself


def test_the_own_analytics_beacon_is_kept_with_consent_and_forgotten_on_withdrawal(
    client: TestClient, clinic: Store
) -> None:
    from tests.services.test_site_analytics import consent, visits

    body = json.dumps(
        {"path": "/prices?ref=ada%40example.org", "referrer": "https://x.example.org/a"}
    )
    client.cookies.set("hh_analytics", "42")
    refused = client.post("/harmony/analytics/hits", content=body)
    assert refused.status_code == 204
    assert refused.headers["x-recorded"] == "the visitor has not consented to analytics"
    assert visits(clinic, "harmony") == []

    client.cookies.set("hh_consent", consent(clinic, "harmony"))
    kept = client.post("/harmony/analytics/hits", content=body)
    assert kept.status_code == 204 and kept.headers["x-recorded"] == "recorded"
    assert kept.headers["access-control-allow-origin"] == "*"
    (row,) = visits(clinic, "harmony")
    assert (row.path, row.referrer_host) == ("/prices", "x.example.org")

    client.cookies.set("hh_consent", consent(clinic, "harmony", ""))
    cleared = client.post("/harmony/consent/cookies/clear")
    assert cleared.status_code == 200 and "hh_analytics" in cleared.json()["data"]["expired"]
    assert visits(clinic, "harmony") == []

"""``hippocratic site audit``: headless Chromium over the demo site finds nothing wrong with it,
and catches the leaky page (a Google tag and a Meta pixel loaded without the gate, one on a
health-sensitive page carrying its address)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.faces.web.live_server import serving
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.cookie_banner import DEMO_STAND_INS, banner_config
from hippocratic.services.site_register import (
    Observation,
    SeenCookie,
    SeenRequest,
    SiteRegister,
    judge,
)
from hippocratic.services.store import Store, add_organisation, init_store

CHROMIUM = "/usr/bin/chromium"
browser_needed = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("HIPPOCRATIC_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium is not installed (make test installs it)",
)
runner = CliRunner()
BASE = "http://127.0.0.1:8000"
REGISTER = SiteRegister(
    banner_config(load_sound_policy(HARMONIC_POLICY), BASE, stand_ins=DEMO_STAND_INS),
    "/demo/site",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    where = tmp_path_factory.mktemp("audit")
    store = init_store(HARMONIC_POLICY, f"sqlite:///{where / 'store.db'}", where / "keys")
    add_organisation(store, HARMONY_POLICY)
    with serving(create_app(SHIPPED_POLICIES, where / "archive", store)) as url:
        yield url
    store.dispose()


def _audit(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["site", "audit", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


@browser_needed
@pytest.mark.slow
@pytest.mark.promise("S0-09", "S0-90", "S0-96", "S0-104")
def test_the_demo_site_passes_the_audit(site: str) -> None:
    org = "harmonic"
    code, report = _audit(f"{site}/demo/site?org={org}")
    assert report["ok"] is True, report
    data = report["data"]
    assert isinstance(data, dict)
    steps = [s["step"] for s in data["steps"]]
    assert steps[:2] == ["first visit", "accept all"]
    assert {"withdraw", "reject all", "accept analytics only"} <= set(steps)
    assert steps.count("health-sensitive page") >= 3
    assert data["organisation"] == org
    assert all(s["findings"] == [] for s in data["steps"]), data
    assert code == 0
    accepted = next(s for s in data["steps"] if s["step"] == "accept all")
    assert {"_ga", "_fbp"} <= {c["name"] for c in accepted["cookies"]}
    assert accepted["vendor_requests"]


@browser_needed
@pytest.mark.slow
def test_the_audit_judges_against_a_policy_file_too(site: str) -> None:
    """Harmony's site, judged against its policy file, with Global Privacy Control on."""
    code, report = _audit(f"{site}/demo/site?org=harmony", "--policy", str(HARMONY_POLICY), "--gpc")
    assert (code, report["ok"]) == (0, True), report
    data = report["data"]
    assert isinstance(data, dict)
    accepted = next(s for s in data["steps"] if s["step"] == "accept all")
    assert {c["name"] for c in accepted["cookies"]} == {"hh_consent", "hh_analytics"}


@browser_needed
@pytest.mark.slow
@pytest.mark.promise("S0-09", "S0-96")
def test_the_leaky_page_fails_the_audit(site: str) -> None:
    code, report = _audit(f"{site}/demo/site/leaky")
    assert code == 1
    data = report["data"]
    assert isinstance(data, dict)
    found = {(s["step"], f["code"]) for s in data["steps"] for f in s["findings"]}
    assert ("first visit", "request.before_consent") in found
    assert ("reject all", "request.before_consent") in found
    assert ("withdraw", "request.after_withdrawal") in found
    assert ("health-sensitive page", "request.sensitive_page") in found
    assert ("health-sensitive page", "request.health_leak") in found


def test_the_audit_needs_a_web_address() -> None:
    result = runner.invoke(app, ["site", "audit", "file:///etc/passwd", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "url"


def test_a_missing_chromium_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["site", "audit", BASE, "--chromium", str(tmp_path / "nope"), "--json"]
    )
    assert result.exit_code != 0
    assert json.loads(result.stdout)["error"]["code"] == "config.invalid"


@pytest.mark.promise("S0-90", "S0-09")
def test_unregistered_and_unconsented_cookies_are_findings() -> None:
    seen = Observation("first visit", frozenset(), [
        SeenCookie("hms_consent", "127.0.0.1", False),
        SeenCookie("_ga_XYZ", "127.0.0.1", False),
        SeenCookie("_gid", "127.0.0.1", False),
    ])  # fmt: skip
    assert [(f.code, f.subject) for f in judge(REGISTER, seen)] == [
        ("cookie.before_consent", "_ga_XYZ"),
        ("cookie.unregistered", "_gid"),
    ]
    later = Observation("accept analytics only", frozenset({"analytics"}), seen.cookies)
    assert [f.code for f in judge(REGISTER, later)] == ["cookie.unregistered"]


@pytest.mark.promise("S0-96", "S0-97")
def test_vendor_requests_are_judged_by_consent_page_and_payload() -> None:
    real = SeenRequest("https://www.facebook.com/tr?id=1&ev=PageView", "GET")
    ga = SeenRequest(f"{BASE}/demo/stand-in/g/collect?dl={BASE}/demo/site/prices", "POST")
    own = SeenRequest(f"{BASE}/harmony/analytics/hits", "POST", '{"path": "/prices"}')
    analytics = Observation("accept analytics only", frozenset({"analytics"}), [], [real, ga, own])
    assert [(f.code, f.subject) for f in judge(REGISTER, analytics)] == [
        ("request.not_consented", real.url)
    ]
    leak = SeenRequest(
        f"{BASE}/demo/stand-in/g/collect", "POST",
        f"en=page_view&dl={BASE}/demo/site/gynaecology-scan",
    )  # fmt: skip
    term = SeenRequest(f"{BASE}/demo/stand-in/g/collect?dt=Early%20pregnancy%20scan", "GET")
    everything = frozenset(REGISTER.gated)
    codes = [
        f.code for f in judge(REGISTER, Observation("accept all", everything, [], [leak, term]))
    ]
    assert codes == ["request.health_leak", "request.health_leak"]
    on_scan = Observation("health-sensitive page", everything, [], [ga], sensitive=True)
    assert [f.code for f in judge(REGISTER, on_scan)] == ["request.sensitive_page"]


def test_tidy_deletes_receipts_past_the_policys_retention(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.services.test_cookie_consent import choice

    from hippocratic.services import store as store_module
    from hippocratic.services.cookie_consent import CookieReceipts

    CookieReceipts(store, "harmonic").record(choice(store))
    clock = store.clock
    where = ["--db", database_url, "--keys", str(tmp_path / "keys"), "--json"]
    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    kept = runner.invoke(app, ["site", "tidy", *where])
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.stdout)["data"] == {"harmonic": 0, "harmony": 0}
    clock.advance(timedelta(days=200))  # type: ignore[attr-defined]
    gone = runner.invoke(app, ["site", "tidy", *where])
    assert json.loads(gone.stdout)["data"] == {"harmonic": 1, "harmony": 0}

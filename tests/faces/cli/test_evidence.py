"""``hippocratic evidence`` from a checkout: the trace written as HTML and CSV for each policy,
and a loud failure (exit 1, each gap named) while any promise is untested, failing or not run."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from tests.services.promise_checkout import make_checkout
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.promise_tests import tagged_tests
from hippocratic.services.promise_trace import Proof, trace_policy

runner = CliRunner()


@pytest.mark.promise("S1-03")
def test_the_pack_is_written_and_fails_loudly_on_each_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_checkout(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["evidence", "--as-of", "2026-12-07"])
    assert result.exit_code == 1, result.output
    assert "harmony: 7 promises (2 proven, 2 failing, 1 not run, 2 untested)" in result.stdout
    for gap in ("S1-20 is untested", "S1-22 is not run", "S1-24 is failing", "L-13 is failing"):
        assert f"harmony: {gap}" in result.stderr
    folder = tmp_path / "build" / "evidence" / "harmony"
    with (folder / "promises.csv").open() as handle:
        rows = {row["promise"]: row for row in csv.DictReader(handle)}
    assert rows["S1-24"]["proof"] == "failing"
    assert rows["S1-24"]["tests"] == "tests/services/test_erasure.py::test_keys_are_shredded"
    assert (rows["S1-24"]["runs_passed"], rows["S1-24"]["runs_failed"]) == ("1", "1")
    assert "organisation.standards" in rows["S1-03"]["policy_rules"]
    with (folder / "controls.csv").open() as handle:
        controls = {row["control"]: row for row in csv.DictReader(handle)}
    assert controls["logging"]["iso27001_annex_a"] == "A.8.15"
    assert controls["logging"]["iso27701"] == "6.9.4"
    assert controls["logging"]["proof"] == "proven"
    assert controls["supplier_agreements"]["review_overdue"] == "True"
    html = (folder / "evidence.html").read_text()
    assert "What the evidence cannot vouch for" in html
    assert re.search(r'2 failing: <a href="#S1-24">S1-24</a>, <a href="#L-13">L-13</a>', html)
    assert "<script" not in html and "http" not in html.split("</head>")[0]


def test_every_promise_proven_exits_0_and_the_json_envelope_has_the_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = make_checkout(tmp_path, registered=["S1-03", "S1-23"])
    lines = [
        re.sub(r"\s+# .*(S1|L)-\d+.*$", "", line)  # the policy states no promise…
        for line in policy.read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    text = "\n".join(lines) + "\n"
    policy.write_text(re.sub(r"\n    promises: \[[^\]]*\]", "", text))  # …its controls none
    (tmp_path / "tests" / "services" / "test_erasure.py").write_text("def test_x():\n    pass\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["evidence", "--json", "--out", "pack"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    [pack] = body["data"]["policies"]
    assert [(p["id"], p["proof"]) for p in pack["promises"]] == [
        ("S1-03", "proven"), ("S1-23", "proven")
    ]  # fmt: skip
    assert pack["run"].startswith("build/test-results.xml at 2026-12-07")
    assert (tmp_path / "pack" / "harmony" / "evidence.html").is_file()


@pytest.mark.promise("S1-03")
def test_every_promise_of_both_shipped_notices_has_a_tagged_test() -> None:
    repo = Path(__file__).resolve().parents[3]
    tagged = tagged_tests(repo / "tests", repo)
    for policy in sorted((repo / "policies").glob("*.yaml")):
        pack = trace_policy(policy, tagged, None, date(2026, 12, 7))
        assert [p.id for p in pack.promises if p.proof is Proof.UNTESTED] == [], policy.name
        assert pack.problems == [], policy.name

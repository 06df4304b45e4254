"""``hippocratic rights queue | alerts | letter`` from the shell: the queue with days left, the
alert job that exits 1 when a request is near its deadline or has a failed step, a letter."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.faces.cli.test_audit import where
from tests.services.clinic import actor, hire
from tests.services.test_appointments import book
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.policy.settings import RightName
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel, RightsRequests
from hippocratic.services.store import Store

runner = CliRunner()


@pytest.mark.promise("L-01")
def test_the_alert_job_speaks_up_before_a_deadline_and_the_queue_lists_it(
    store: Store, database_url: str, tmp_path: Path, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hire(store)
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)
    subject = book(store).subject_id  # type: ignore[attr-defined]
    request = RightsRequests(store, actor("harmonic", "dee")).submit(
        NewRightsRequest(subject, RightName.RECTIFICATION, RequestChannel.LETTER, "wrong address")
    )
    args = where(database_url, tmp_path)
    quiet = runner.invoke(app, ["rights", "alerts", "--org", "harmonic", *args])
    assert quiet.exit_code == 0 and "nothing needs attention" in quiet.output
    listed = runner.invoke(app, ["rights", "queue", "--org", "harmonic", *args, "--json"])
    assert listed.exit_code == 0, listed.output
    (shown,) = json.loads(listed.output)["data"]
    assert shown["request_id"] == request.request_id and shown["due"] == "2026-12-24"
    clock.advance(timedelta(days=25))
    loud = runner.invoke(app, ["rights", "alerts", "--org", "harmonic", *args])
    assert loud.exit_code == 1 and "5 day(s) left" in loud.output
    assert request.request_id in loud.output
    out = tmp_path / "ack.pdf"
    wrote = runner.invoke(
        app,
        ["rights", "letter", request.request_id, "acknowledgement", "--org", "harmonic",
         "--out", str(out), "--pdf", *args],
    )  # fmt: skip
    assert wrote.exit_code == 0, wrote.output
    assert out.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(
        app,
        ["rights", "letter", request.request_id, "apology", "--org", "harmonic",
         "--out", str(out), *args],
    )  # fmt: skip
    assert bad.exit_code == 2 and "not a letter" in bad.output

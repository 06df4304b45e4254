"""``hippocratic marketing send | anonymise`` from the shell: a campaign sent through the
SMTP relay the environment names, and the performance-data job for cron."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.faces.cli.test_audit import where
from tests.services.clinic import hire
from tests.services.test_campaigns import draft, opted_in, patient, smtp  # noqa: F401
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app
from hippocratic.services.mailer import SMTP_HOST_ENV, SMTP_PORT_ENV, SmtpMailer
from hippocratic.services.store import Store

runner = CliRunner()


def test_a_campaign_is_sent_and_later_anonymised_from_the_command_line(
    store: Store,
    smtp: tuple[SmtpMailer, Any],  # noqa: F811
    database_url: str,
    tmp_path: Path,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hire(store)
    from hippocratic.services import store as store_module

    monkeypatch.setattr(store_module, "SystemClock", lambda: clock)  # the CLI's clock is ours
    mailer, received = smtp
    monkeypatch.setenv(SMTP_HOST_ENV, mailer.host)
    monkeypatch.setenv(SMTP_PORT_ENV, str(mailer.port))
    ada = patient(store, "Ada Example", "ada@example.org")
    opted_in(store, ada, "email")
    campaign = draft(store)
    sent = runner.invoke(
        app, ["marketing", "send", campaign, "--org", "harmonic", *where(database_url, tmp_path),
              "--json"],
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["data"]["sent"] == 1
    assert [m["To"] for m in received.messages] == ["ada@example.org"]
    again = runner.invoke(
        app, ["marketing", "send", campaign, "--org", "harmonic", *where(database_url, tmp_path)]
    )
    assert again.exit_code == 1 and "was sent" in again.stderr
    clock.advance(timedelta(days=181))
    tidy = runner.invoke(app, ["marketing", "anonymise", *where(database_url, tmp_path), "--json"])
    assert tidy.exit_code == 0, tidy.output
    assert json.loads(tidy.stdout)["data"] == {"harmonic": 1, "harmony": 0}

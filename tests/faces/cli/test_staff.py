"""``hippocratic staff``, ``token`` and ``demo seed --staff`` from the shell."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippocratic.errors import TrainingRequired
from hippocratic.faces.cli.app import app
from hippocratic.services import api_token, sign_in, staff_session
from hippocratic.services.store import open_store

POLICY = str(Path(__file__).resolve().parents[3] / "policies" / "harmonic-medical-sonography.yaml")
runner = CliRunner()


@pytest.fixture
def where(database_url: str, tmp_path: Path) -> list[str]:
    place = ["--db", database_url, "--keys", str(tmp_path / "keys")]
    assert runner.invoke(app, ["init", "--policy", POLICY, *place]).exit_code == 0
    return place


def run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"])
    envelope: dict[str, object] = json.loads(result.stdout)
    return envelope


@pytest.mark.promise("S0-79")
def test_staff_accounts_from_the_shell(where: list[str]) -> None:
    added = run("staff", "add", "harmonic", "rita", "--name", "Rita Example", "--role",
                "reception", *where)  # fmt: skip
    data = added["data"]
    assert isinstance(data, dict)
    password = data["password"]
    assert isinstance(password, str) and len(password) >= 12
    store = open_store(where[1], Path(where[3]))
    try:
        with pytest.raises(TrainingRequired):
            sign_in.password(store, "harmonic", "rita", password)
        today = date.today().isoformat()
        recorded = run("staff", "training", "harmonic", "rita", "--confidentiality-signed",
                       today, "--trained", today, *where)["data"]  # fmt: skip
        assert isinstance(recorded, dict) and recorded["refusal"] is None
        assert sign_in.password(store, "harmonic", "rita", password).needs == "enrol"
    finally:
        store.dispose()
    assert run("staff", "sign-out", "harmonic", "rita", *where)["data"] == {"sessions_ended": 1}
    listed = run("staff", "list", "harmonic", *where)["data"]
    assert isinstance(listed, list) and listed[0]["second_factor"] is False
    assert listed[0]["training_completed_at"] == date.today().isoformat()
    moved = run("staff", "role", "harmonic", "rita", "billing", *where)["data"]
    assert isinstance(moved, dict) and moved["role"] == "billing"
    assert run("staff", "reset-2fa", "harmonic", "rita", *where)["ok"] is True
    disabled = run("staff", "disable", "harmonic", "rita", *where)["data"]
    assert isinstance(disabled, dict) and disabled["disabled"] is True
    refused = runner.invoke(app, ["staff", "add", "harmonic", "xavier", "--name", "X", "--role",
                                  "admiral", *where])  # fmt: skip
    assert refused.exit_code == 2 and "not a role" in refused.stderr


@pytest.mark.promise("L-13")
def test_an_account_without_training_is_told_so_at_the_shell(where: list[str]) -> None:
    added = run(
        "staff",
        "add",
        "harmonic",
        "tom",
        "--name",
        "Tom Example",
        "--role",
        "sonographer",
        "--confidentiality-signed",
        date.today().isoformat(),
        *where,
    )
    assert added["ok"] is True
    listed = run("staff", "list", "harmonic", *where)["data"]
    assert isinstance(listed, list) and listed[0]["access_refused"] == "training_missing"
    old = (date.today() - timedelta(days=400)).isoformat()
    trained = runner.invoke(app, ["staff", "training", "harmonic", "tom", "--trained", old,
                                  *where])  # fmt: skip
    assert trained.exit_code == 0
    assert "still cannot sign in: data-security training has expired" in trained.stdout
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = runner.invoke(app, ["staff", "training", "harmonic", "tom", "--trained", future,
                                  *where])  # fmt: skip
    assert refused.exit_code == 2 and "in the future" in refused.stderr


def test_api_tokens_from_the_shell(where: list[str]) -> None:
    issued = run("token", "issue", "harmonic", "--role", "reception", "--label", "booking site",
                 *where)["data"]  # fmt: skip
    assert isinstance(issued, dict)
    secret, token_id = issued["secret"], issued["token"]["token_id"]
    store = open_store(where[1], Path(where[3]))
    try:
        actor = api_token.authenticate(store, secret)
        assert actor is not None and actor.role == "reception"
    finally:
        store.dispose()
    listed = run("token", "list", "harmonic", *where)["data"]
    assert isinstance(listed, list) and [t["token_id"] for t in listed] == [token_id]
    assert "secret" not in json.dumps(listed)
    run("token", "revoke", "harmonic", token_id, *where)
    store = open_store(where[1], Path(where[3]))
    try:
        assert api_token.authenticate(store, secret) is None
    finally:
        store.dispose()


def test_demo_seed_with_staff_books_a_day(where: list[str]) -> None:
    seeded = run("demo", "seed", "harmonic", "--patients", "12", "--staff", *where)["data"]
    assert isinstance(seeded, dict)
    assert seeded["patients"] == 12 and seeded["appointments"] == 8
    history = seeded["history"]
    assert isinstance(history, dict)
    assert history["visits"] >= 1 and history["referrals"] == 3 and history["enquiries"] == 3
    accounts = seeded["staff"]
    assert isinstance(accounts, list)
    assert {a["role"] for a in accounts} >= {"reception", "sonographer", "dpo"}
    verified = runner.invoke(app, ["audit", "verify", *where])
    assert verified.exit_code == 0


@pytest.mark.promise("S0-79")
def test_demo_users_sign_in_with_their_password_and_code(where: list[str]) -> None:
    missing = runner.invoke(app, ["demo", "users", "--keys", where[3], "--json"])
    assert missing.exit_code != 0 and "demo seed" in missing.stdout
    seeded = run("demo", "seed", "harmonic", "--patients", "1", "--staff", *where)["data"]
    assert isinstance(seeded, dict)
    assert all(set(a) == {"username", "role"} for a in seeded["staff"])
    listed = run("demo", "users", "--keys", where[3])["data"]
    assert isinstance(listed, dict)
    users = {u["username"]: u for u in listed["users"]}
    assert {"reception", "sonographer", "dpo"} <= set(users)
    saved = Path(where[3]) / "demo-users.json"
    assert saved.stat().st_mode & 0o077 == 0
    store = open_store(where[1], Path(where[3]))
    try:
        desk = users["reception"]
        step = sign_in.password(store, "harmonic", "reception", desk["password"])
        assert step.needs == "second_factor"
        cookie = sign_in.second_factor(store, step.cookie, desk["code_now"])
        assert staff_session.authenticate(store, cookie) is not None
    finally:
        store.dispose()

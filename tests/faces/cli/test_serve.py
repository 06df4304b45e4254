"""``hippocratic serve --workers N`` as an operator runs it: several processes over one
store, each answering the API and the console with the same data."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from tests.conftest import HARMONIC_POLICY

from hippocratic.services import api_token
from hippocratic.services.store import init_store


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_several_workers_serve_one_store(tmp_path: Path) -> None:
    url, keys = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "keys"
    store = init_store(HARMONIC_POLICY, url, keys)
    secret = api_token.issue(store, "harmonic", "reception", "workers test").secret
    store.dispose()
    port = _port()
    command = [str(Path(sys.executable).with_name("hippocratic")), "serve", "--db", url,
               "--keys", str(keys), "--port", str(port), "--workers", "2"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPPOCRATIC_")}
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/console/sign-in", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.2)
        auth = {"authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=base, headers=auth) as client:
            answers = [client.get("/api/v1/me").json()["data"]["role"] for _ in range(20)]
        assert answers == ["reception"] * 20
        assert len(_children(server.pid)) >= 2
    finally:
        server.terminate()
        server.wait(15)
    assert server.returncode is not None

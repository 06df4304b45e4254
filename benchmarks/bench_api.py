"""The clinic's API over HTTP, as a client sees it: a patient's record (guard decision, facts,
decryption, an audit event committed before the answer) and the day's worklist, each served by
``hippocratic serve`` in its own process, beside the same reads with no guard, no audit and no
decryption (``benchmarks/plain_api.py``) served the same way from the same database.

The store holds the demo patients and today's appointments made through the services, and a
bulk-loaded background of other patients with one appointment each on other days (100,000 on
SQLite; 1,000,000 on PostgreSQL, ``BENCH_API_PG_ROWS`` to change it), so the worklist's index
is the size of a busy clinic's years. One client, keep-alive, requests one after another; then
several at once against two server processes, from Python threads and, where Debian's ``wrk``
is installed (``make bench`` installs it), from wrk, whose C client leaves the two cores to the
server."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, insert, text

from benchmarks.timing import Timing
from hippocratic.services import api_token, demo
from hippocratic.services.store import init_store
from hippocratic.storage.clinic import AppointmentRow
from hippocratic.storage.subject import SubjectRow

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "harmonic-medical-sonography.yaml"
PG_SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PATIENTS = 500
"""Registered through the guard, so every read below finds real, encrypted fields."""
TODAY = 16
READS = 2000
WORKLISTS = 300
CHUNK = 20_000
WORKERS = 2
CLIENTS = 4
CONCURRENT_READS = 4000
WRK_CONNECTIONS = 8
WRK_SECONDS = 10
WRK_RUNS = 3


def _background(url: str, rows: int, today: date) -> None:
    """``rows`` further patients, each with one appointment on some other day in two years."""
    engine = create_engine(url)
    rng = random.Random(7)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for start in range(0, rows, CHUNK):
            subjects, appointments = [], []
            for _ in range(min(CHUNK, rows - start)):
                subject = str(uuid.uuid4())
                offset = rng.randrange(1, 366) * rng.choice((-1, 1))
                starts = datetime.combine(today + timedelta(days=offset), datetime.min.time(), UTC)
                subjects.append({"organisation_id": "harmonic", "subject_id": subject,
                                 "created_at": at, "restricted": False})  # fmt: skip
                appointments.append(
                    {"organisation_id": "harmonic", "appointment_id": str(uuid.uuid4()),
                     "subject_id": subject, "service": b"\0" * 40,
                     "starts_at": starts + timedelta(minutes=30 * rng.randrange(16)),
                     "duration_minutes": 30, "location": None, "status": "attended",
                     "clinician": "sonographer", "booked_at": at, "booked_by": "bulk",
                     "referral_id": None, "presentation_id": None, "updated_at": at}
                )  # fmt: skip
            connection.execute(insert(SubjectRow), subjects)
            connection.execute(insert(AppointmentRow), appointments)
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = _port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{command[0]} did not start")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(10)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _timed(name: str, client: httpx.Client, paths: Callable[[int], str], n: int) -> Timing:
    for i in range(50):
        assert client.get(paths(i)).status_code == 200
    samples = []
    for i in range(n):
        start = time.perf_counter()
        response = client.get(paths(i))
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return Timing(name, samples)


def _report(guarded: Timing, plain: Timing, rss: tuple[float, float]) -> None:
    for timing in (guarded, plain):
        print(f"  {timing.line('ms')}   {len(timing.samples) / sum(timing.samples):8.0f} req/s")
    print(
        f"  guarded / unguarded: {guarded.median / plain.median:.2f}x (medians), "
        f"p99 {guarded.p99 / plain.p99:.2f}x; server peak RSS {rss[0]:.0f} MB vs {rss[1]:.0f} MB"
    )


def _session(
    command: list[str],
    prefix: str,
    env: dict[str, str],
    auth: dict[str, str],
    picks: list[str],
    today: date,
) -> tuple[Timing, Timing, float]:
    """Serve with ``command``, time the reads and the worklists, and the server's peak RSS."""
    label = "guarded" if prefix else "unguarded"
    with _serving(command, env) as (base, pid), httpx.Client(base_url=base, headers=auth) as client:
        read = _timed(
            f"{label} patient read", client, lambda i: f"{prefix}/patients/{picks[i]}", READS
        )
        day = f"{prefix}/worklist?day={today.isoformat()}"
        worklist = _timed(f"{label} worklist ({TODAY} today)", client, lambda i: day, WORKLISTS)
        return read, worklist, _peak_rss_mb(pid)


def _concurrent(
    command: list[str], prefix: str, env: dict[str, str], auth: dict[str, str], picks: list[str]
) -> tuple[Timing, float]:
    """``WORKERS`` server processes, ``CLIENTS`` keep-alive clients at once: the latency of
    each read and the reads per second over the whole run."""
    label = "guarded" if prefix else "unguarded"
    with _serving([*command, "--workers", str(WORKERS)], env) as (base, _pid):
        clients = [httpx.Client(base_url=base, headers=auth) for _ in range(CLIENTS)]
        for client in clients:
            for i in range(20):
                assert client.get(f"{prefix}/patients/{picks[i]}").status_code == 200
        share = CONCURRENT_READS // CLIENTS

        def work(index: int) -> list[float]:
            client, times = clients[index], []
            for i in range(share):
                start = time.perf_counter()
                response = client.get(f"{prefix}/patients/{picks[(index * share + i) % READS]}")
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
            return times

        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            samples = [t for times in pool.map(work, range(CLIENTS)) for t in times]
        elapsed = time.perf_counter() - began
        for client in clients:
            client.close()
    name = f"{label} read, {WORKERS} workers, {CLIENTS} clients"
    return Timing(name, samples), len(samples) / elapsed


def _wrk_script(directory: Path, prefix: str, auth: dict[str, str], picks: list[str]) -> Path:
    """A wrk script sending the reads in ``picks`` in turn, with the API token."""
    paths = ", ".join(f'"{prefix}/patients/{subject}"' for subject in picks)
    script = directory / f"reads{prefix.replace('/', '_')}.lua"
    script.write_text(
        f"paths = {{{paths}}}\ncounter = 0\n"
        f'wrk.headers["Authorization"] = "{auth["authorization"]}"\n'
        "request = function()\n  counter = counter + 1\n"
        '  return wrk.format("GET", paths[(counter % #paths) + 1])\nend\n'
    )
    return script


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
    return match.group(1)


def _milliseconds(text: str) -> float:
    """wrk's latency (``812.00us``, ``6.88ms``, ``1.02s``) in milliseconds."""
    value, unit = float(_found(r"^([\d.]+)", text)), _found(r"(us|ms|s)$", text)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(
    command: list[str], env: dict[str, str], script: Path
) -> tuple[float, float, float] | None:
    """``WORKERS`` server processes and wrk's ``WRK_CONNECTIONS`` keep-alive connections for
    ``WRK_SECONDS``, ``WRK_RUNS`` times: the median run's reads per second, p50 and p99 (ms).
    None without wrk. Every answer must be a 200."""
    if shutil.which("wrk") is None:
        return None
    runs = []
    with _serving([*command, "--workers", str(WORKERS)], env) as (base, _pid):
        load = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", "--latency", "-s", str(script), base]
        subprocess.run([*load[:3], "-d2s", *load[3:]], capture_output=True, check=True)
        for _ in range(WRK_RUNS):
            out = subprocess.run(
                [*load[:3], f"-d{WRK_SECONDS}s", *load[3:]],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert "Non-2xx" not in out, out
            assert "Socket errors" not in out, out
            rate = float(_found(r"Requests/sec:\s+([\d.]+)", out))
            p50, p99 = _found(r"50%\s+(\S+)", out), _found(r"99%\s+(\S+)", out)
            runs.append((rate, _milliseconds(p50), _milliseconds(p99)))
    return sorted(runs)[len(runs) // 2]


def run(backend: str, url: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        started = time.perf_counter()
        store = init_store(POLICY, url, keys)
        subjects = demo.seed(store, "harmonic", patients=PATIENTS)
        demo.seed_staff(store, "harmonic")
        today = store.clock.now().date()
        demo.seed_appointments(store, "harmonic", today, count=TODAY)
        secret = api_token.issue(store, "harmonic", "reception", "bench").secret
        store.dispose()
        _background(url, rows, today)
        print(f"{backend}: {PATIENTS} patients through the guard, {TODAY} booked today, "
              f"{rows:,} more with appointments on other days "
              f"(set up in {time.perf_counter() - started:.0f} s)")  # fmt: skip
        rng = random.Random(1)
        picks = [rng.choice(subjects) for _ in range(READS + 50)]
        auth = {"authorization": f"Bearer {secret}"}
        guarded_cmd = [str(ROOT / ".venv/bin/hippocratic"), "serve", "--db", url, "--keys",
                       str(keys)]  # fmt: skip
        plain_cmd = [sys.executable, "-m", "uvicorn", "benchmarks.plain_api:app",
                     "--log-level", "warning"]  # fmt: skip
        guarded = _session(guarded_cmd, "/api/v1", {}, auth, picks, today)
        plain = _session(plain_cmd, "", {"BENCH_DATABASE_URL": url}, auth, picks, today)
        for kind in range(2):
            _report(guarded[kind], plain[kind], (guarded[2], plain[2]))
        busy = _concurrent(guarded_cmd, "/api/v1", {}, auth, picks)
        idle = _concurrent(plain_cmd, "", {"BENCH_DATABASE_URL": url}, auth, picks)
        for timing, rate in (busy, idle):
            print(f"  {timing.line('ms')}   {rate:8.0f} req/s")
        print(f"  guarded / unguarded throughput: {busy[1] / idle[1]:.2f}x")
        guarded_wrk = _wrk(guarded_cmd, {}, _wrk_script(Path(tmp), "/api/v1", auth, picks))
        plain_wrk = _wrk(
            plain_cmd, {"BENCH_DATABASE_URL": url}, _wrk_script(Path(tmp), "", auth, picks)
        )
        if guarded_wrk is None or plain_wrk is None:
            print("  wrk: not installed (make bench-extras), skipped")
            return
        for label, (rate, p50, p99) in (("guarded", guarded_wrk), ("unguarded", plain_wrk)):
            print(
                f"  {label} read, {WORKERS} workers, wrk {WRK_CONNECTIONS} connections: "
                f"{rate:6.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms "
                f"(median of {WRK_RUNS} runs of {WRK_SECONDS} s)"
            )
        print(f"  guarded / unguarded throughput (wrk): {guarded_wrk[0] / plain_wrk[0]:.2f}x")


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    name = f"hippocratic_bench_{os.getpid()}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # a benchmark reports and carries on
        print(f"postgresql: skipped ({exc.__class__.__name__}: no server at {PG_SERVER})")
        yield None
        return
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", 100_000)
    with _postgres_database() as url:
        if url is not None:
            run("postgresql", url, int(os.environ.get("BENCH_API_PG_ROWS", "1000000")))

"""``hippocratic serve``: the web app on this machine."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hippocratic.errors import Conflict, InputError
from hippocratic.faces.cli.store import DbOption, KeysOption
from hippocratic.faces.daily_jobs import DailyJobs
from hippocratic.faces.web.app import (
    NOTICES_ONLY_ENV,
    POLICIES_ENV,
    SHIPPED_POLICIES,
    configure_logging,
    create_app,
)
from hippocratic.faces.web.transport import tls_context
from hippocratic.services.store import locate, open_store


def _check_free(host: str, port: int) -> None:
    """Refuse, before opening anything, an address another process is listening on (uvicorn
    would log it and exit 3, which here means a guard denial)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Conflict(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                field="port",
                hint="another server is probably running there; stop it or choose --port",
            ) from None


def _tls_factory(config: Any, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """uvicorn's context hook (module level, so worker processes can be given it): our own
    context, TLS 1.2 and newer only, in place of uvicorn's default one."""
    return tls_context(Path(config.ssl_certfile), Path(config.ssl_keyfile))


def _transport_options(
    tls_cert: Path | None, tls_key: Path | None, behind_tls_proxy: str | None
) -> dict[str, Any]:
    """uvicorn's TLS and proxy settings: the certificate checked before anything starts; the
    proxy's forwarded headers believed only from the addresses given (by default, from no
    one)."""
    options: dict[str, Any] = {"proxy_headers": False}
    if (tls_cert is None) != (tls_key is None):
        raise InputError(
            "--tls-cert and --tls-key go together",
            field="tls-key" if tls_key is None else "tls-cert",
            hint="give the certificate (chain) and its private key, both PEM files",
        )
    if tls_cert is not None and tls_key is not None:
        tls_context(tls_cert, tls_key)  # a bad file fails here, not in a worker
        options.update(
            ssl_certfile=str(tls_cert), ssl_keyfile=str(tls_key), ssl_context_factory=_tls_factory
        )
    if behind_tls_proxy:
        options.update(proxy_headers=True, forwarded_allow_ips=behind_tls_proxy)
    return options


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", help="Policy files to serve (default: the shipped ones)."),
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    notices_only: Annotated[
        bool, typer.Option("--notices-only", help="Serve the public notices without a store.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="Server processes (one per core suits most machines). A shred made in one "
            "reaches the others' key caches within 30 seconds.",
        ),
    ] = 1,
    jobs: Annotated[
        bool,
        typer.Option(
            "--jobs",
            help="Also run the daily jobs (the retention sweep, catching up missed days) in "
            "this server, checked hourly; off by default: use `hippocratic jobs run` from cron "
            "or a systemd timer instead.",
        ),
    ] = False,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            help="Serve HTTPS (TLS 1.2 and newer only) with this PEM certificate (chain).",
        ),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's PEM private key.")
    ] = None,
    behind_tls_proxy: Annotated[
        str | None,
        typer.Option(
            "--behind-tls-proxy",
            help="Addresses of the TLS-terminating proxy (comma-separated): its "
            "X-Forwarded-Proto and X-Forwarded-For are believed from these only.",
        ),
    ] = None,
) -> None:
    """Serve the web app: the public notices, and over the store the staff console
    (/console) and the JSON API (/api/v1, docs at /api/docs). Over plain HTTP, only this
    machine may send a form; other machines are refused (transport.insecure) or redirected to
    HIPPOCRATIC_PUBLIC_URL when it is https://."""
    import uvicorn

    configure_logging()
    transport = _transport_options(tls_cert, tls_key, behind_tls_proxy)
    _check_free(host, port)
    scheduler = _start_jobs(db, keys) if jobs and not notices_only else None
    if workers > 1:
        try:
            _serve_workers(host, port, policy, db, keys, notices_only, workers, transport)
        finally:
            _stop_jobs(scheduler)
        return
    store = None if notices_only else open_store(db, keys)
    try:
        uvicorn.run(
            create_app(policy or SHIPPED_POLICIES, store=store),
            host=host,
            port=port,
            access_log=False,
            **transport,
        )
    finally:
        _stop_jobs(scheduler)
        if store is not None:
            store.dispose()


def _start_jobs(db: str | None, keys: Path | None) -> DailyJobs:
    """The daily jobs in a thread of this process, over a store of their own."""
    scheduler = DailyJobs(open_store(db, keys))
    scheduler.start()
    return scheduler


def _stop_jobs(scheduler: DailyJobs | None) -> None:
    if scheduler is not None:
        scheduler.stop()
        scheduler.join(timeout=30)
        scheduler.store.dispose()


def _serve_workers(
    host: str,
    port: int,
    policy: list[Path] | None,
    db: str | None,
    keys: Path | None,
    notices_only: bool,
    workers: int,
    transport: dict[str, Any],
) -> None:
    """Several processes, each building the app from the environment set here; the store is
    opened once first, so a wrong path or key fails before any process starts."""
    import uvicorn

    if not notices_only:
        open_store(db, keys).dispose()
        os.environ.update(locate(db, keys))
    os.environ[NOTICES_ONLY_ENV] = "1" if notices_only else "0"
    os.environ[POLICIES_ENV] = os.pathsep.join(str(p.resolve()) for p in policy or [])
    uvicorn.run(
        "hippocratic.faces.web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        **transport,
    )

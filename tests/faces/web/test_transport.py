"""S0-84: HTTPS with TLS 1.2 or newer only, HSTS on every HTTPS response, and no form accepted
over plain HTTP from another machine. The TLS tests start a real ``hippocratic serve`` with a
self-signed certificate made here; the plain-HTTP tests call the app as a client elsewhere on
the network would reach it (an address from the documentation range, 192.0.2.10)."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from tests.conftest import HARMONIC_POLICY
from tests.faces.web.live_server import free_port
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hippocratic.faces.web.app import create_app
from hippocratic.faces.web.transport import HSTS, Transport
from hippocratic.services.cookie_banner import BANNER_VERSION, banner_sha256
from hippocratic.services.cookie_consent import CookieReceipts
from hippocratic.services.store import Store

ELSEWHERE = ("192.0.2.10", 50123)
LOOPBACK = ("127.0.0.1", 50123)
PROXY = "10.0.0.1"
HSTS_VALUE = HSTS.decode()
HIPPOCRATIC = Path(sys.executable).with_name("hippocratic")


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, both PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hippocratic.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``hippocratic serve --tls-cert --tls-key`` (notices only) on a free port."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = _certificate(folder)
    port = free_port()
    command = [str(HIPPOCRATIC), "serve", "--notices-only"]
    command += ["--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)]
    command += ["--policy", str(HARMONIC_POLICY)]
    env = dict(os.environ, HIPPOCRATIC_PUBLIC_URL="")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=folder
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        yield port, cert
    finally:
        process.terminate()
        process.wait(timeout=15)


def _handshake(port: int, context: ssl.SSLContext) -> str:
    """The TLS version agreed with the server."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return str(tls.version())


def _old_tls_client(maximum: ssl.TLSVersion) -> ssl.SSLContext:
    """A client that offers nothing newer than ``maximum``, at security level 0, so that this
    side is willing to speak TLS 1.0 and any refusal is the server's."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # deprecated on purpose: that is what is being tested
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = maximum
    return context


@pytest.mark.promise("S0-84")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_an_early_tls_handshake_fails(
    https_server: tuple[int, Path], version: ssl.TLSVersion
) -> None:
    port, cert = https_server
    if not _permissive_server_accepts(version, cert):
        pytest.skip(f"this machine's OpenSSL cannot speak {version.name} at all")
    with pytest.raises(ssl.SSLError) as refused:
        _handshake(port, _old_tls_client(version))
    # the server hung up or sent its protocol_version alert; the client did send its hello
    assert (
        isinstance(refused.value, ssl.SSLEOFError)
        or "PROTOCOL_VERSION" in str(refused.value).upper()
    ), refused.value


def _permissive_server_accepts(version: ssl.TLSVersion, cert: Path) -> bool:
    """The control: the same client completes a ``version`` handshake with a server that
    allows it, so the refusal above is the real server's doing, not this client's."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server.minimum_version = ssl.TLSVersion.TLSv1
    server.load_cert_chain(cert, cert.with_name("key.pem"))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def accept() -> None:
            connection, _ = listener.accept()
            try:
                with server.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                connection.close()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            agreed = _handshake(port, _old_tls_client(version))
        except (ssl.SSLError, OSError):
            return False
        finally:
            thread.join(timeout=5)
    return agreed in ("TLSv1", "TLSv1.1")


@pytest.mark.promise("S0-84")
def test_tls_1_2_and_1_3_are_served_with_hsts(https_server: tuple[int, Path]) -> None:
    port, cert = https_server
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        context = ssl.create_default_context(cafile=str(cert))
        context.minimum_version = context.maximum_version = version
        assert _handshake(port, context) == {"TLSv1_2": "TLSv1.2"}.get(version.name, "TLSv1.3")
    connection = http.client.HTTPSConnection(
        "127.0.0.1", port, context=ssl.create_default_context(cafile=str(cert)), timeout=10
    )
    connection.request("GET", "/harmonic/privacy")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("strict-transport-security") == HSTS_VALUE
    connection.close()
    assert HSTS_VALUE == "max-age=63072000; includeSubDomains"


def test_serve_refuses_a_certificate_without_its_key(tmp_path: Path) -> None:
    cert, _ = _certificate(tmp_path)
    done = subprocess.run(
        [str(HIPPOCRATIC), "serve", "--notices-only", "--tls-cert", str(cert)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--tls-key" in done.stdout + done.stderr


def _send(
    app: Any,
    method: str,
    path: str,
    client: tuple[str, int],
    base: str = "http://clinic.example.org",
    **kwargs: Any,
) -> Any:
    """The response to one request from ``client``, redirects not followed."""
    with TestClient(app, base_url=base, client=client, follow_redirects=False) as http:
        return http.request(method, path, **kwargs)


def _receipt(store: Store) -> str:
    policy = store.policy_of("harmonic")
    return json.dumps(
        {
            "visitor": "abcdef0123456789abcdef0123456789",
            "action": "reject_all",
            "categories": [],
            "banner_version": BANNER_VERSION,
            "banner_sha256": banner_sha256(policy),
            "notice_version": policy.notice.version,
            "gpc": False,
        }
    )


@pytest.mark.promise("S0-84")
def test_a_post_over_plain_http_from_another_machine_is_refused(store: Store) -> None:
    app = create_app([], store=store, transport=Transport())
    receipts = CookieReceipts(store, "harmonic")
    refused = _send(app, "POST", "/harmonic/consent/receipts", ELSEWHERE, content=_receipt(store))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "transport.insecure"
    assert "strict-transport-security" not in refused.headers
    assert receipts.count() == 0  # nothing it carried was kept
    for method in ("PUT", "PATCH", "DELETE"):
        other = _send(app, method, "/api/v1/patients/x", ELSEWHERE)
        assert other.json()["error"]["code"] == "transport.insecure"
    # the same request from this machine, or over HTTPS from anywhere, is taken
    local = _send(app, "POST", "/harmonic/consent/receipts", LOOPBACK, content=_receipt(store))
    assert local.status_code == 201, local.text
    secure = _send(
        app,
        "POST",
        "/harmonic/consent/receipts",
        ELSEWHERE,
        base="https://clinic.example.org",
        content=_receipt(store),
    )
    assert secure.status_code == 201, secure.text
    assert secure.headers["strict-transport-security"] == HSTS_VALUE
    assert receipts.count() == 2


@pytest.mark.promise("S0-84")
def test_a_browser_form_over_plain_http_gets_a_page_saying_why(store: Store) -> None:
    app = create_app([], store=store, transport=Transport())
    page = _send(
        app,
        "POST",
        "/console/sign-in",
        ELSEWHERE,
        data={"username": "reception", "password": "correct horse battery"},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "without encryption" in page.text
    assert "transport.insecure" in page.text


def test_a_read_over_plain_http_is_redirected_to_the_public_https_address() -> None:
    app = create_app([HARMONIC_POLICY], transport=Transport("https://clinic.example.org"))
    moved = _send(app, "GET", "/harmonic/privacy?lang=en", ELSEWHERE)
    assert moved.status_code == 308
    assert moved.headers["location"] == "https://clinic.example.org/harmonic/privacy?lang=en"
    assert _send(app, "GET", "/harmonic/privacy", LOOPBACK).status_code == 200
    secure = _send(app, "GET", "/harmonic/privacy", ELSEWHERE, base="https://clinic.example.org")
    assert secure.status_code == 200
    assert secure.headers["strict-transport-security"] == HSTS_VALUE
    # with no public HTTPS address configured, a read is served (and carries no HSTS)
    plain = create_app([HARMONIC_POLICY], transport=Transport())
    served = _send(plain, "GET", "/harmonic/privacy", ELSEWHERE)
    assert served.status_code == 200
    assert "strict-transport-security" not in served.headers


def test_the_public_url_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPPOCRATIC_PUBLIC_URL", "https://clinic.example.org/")
    assert Transport.from_environment().public_url == "https://clinic.example.org"
    monkeypatch.setenv("HIPPOCRATIC_PUBLIC_URL", "http://localhost:8000")
    assert Transport.from_environment().public_url is None


@pytest.mark.promise("S0-84")
def test_x_forwarded_proto_counts_only_from_the_trusted_proxy(store: Store) -> None:
    """What ``serve --behind-tls-proxy 10.0.0.1`` sets up: uvicorn's proxy middleware, which
    believes the forwarded headers from that address only."""
    app = ProxyHeadersMiddleware(
        create_app([], store=store, transport=Transport()), trusted_hosts=PROXY
    )
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": ELSEWHERE[0]}
    body = _receipt(store)
    via_proxy = _send(
        app, "POST", "/harmonic/consent/receipts", (PROXY, 443), content=body, headers=forwarded
    )
    assert via_proxy.status_code == 201, via_proxy.text
    assert via_proxy.headers["strict-transport-security"] == HSTS_VALUE
    # a client that claims HTTPS itself is still talking plain HTTP
    spoofed = _send(
        app, "POST", "/harmonic/consent/receipts", ELSEWHERE, content=body, headers=forwarded
    )
    assert spoofed.json()["error"]["code"] == "transport.insecure"
    # and the proxy saying the patient used plain HTTP is refused too
    plain = {"x-forwarded-proto": "http", "x-forwarded-for": ELSEWHERE[0]}
    relayed = _send(
        app, "POST", "/harmonic/consent/receipts", (PROXY, 443), content=body, headers=plain
    )
    assert relayed.json()["error"]["code"] == "transport.insecure"

"""How the web app is reached, and what it does about a request that is not encrypted (S0-84).

* ``serve --tls-cert FILE --tls-key FILE`` serves HTTPS itself, TLS 1.2 or newer only: SSL 3,
  TLS 1.0 and TLS 1.1 handshakes fail (``tls_context``).
* Behind a TLS-terminating proxy (``serve --behind-tls-proxy ADDRESS``), the proxy's
  ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed from that address only.
* Every HTTPS response carries ``Strict-Transport-Security`` (two years, subdomains too), so a
  browser that has been here once never tries plain HTTP again.
* A request over plain HTTP from another machine: a form or any other change (POST, PUT,
  PATCH, DELETE) is refused with 403 ``transport.insecure`` (what it carried is never used);
  anything else is redirected (308) to the same address on the public HTTPS URL when one is
  configured (``HIPPOCRATIC_PUBLIC_URL`` starting ``https://``).
* From this machine (loopback, a Unix socket, an in-process test client), plain HTTP is
  allowed, so local development and the tests work without certificates.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hippocratic.errors import ConfigurationError, InsecureTransport

PUBLIC_URL_ENV = "HIPPOCRATIC_PUBLIC_URL"
HSTS = b"max-age=63072000; includeSubDomains"
"""Two years (the HSTS preload list's minimum is one), every subdomain too."""
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MINIMUM_TLS = ssl.TLSVersion.TLSv1_2


@dataclass(frozen=True)
class Transport:
    """What the app knows of how it is reached: ``public_url`` is the HTTPS address people use
    (the redirect target for plain HTTP), or None when none is configured."""

    public_url: str | None = None

    @classmethod
    def from_environment(cls) -> Transport:
        """``HIPPOCRATIC_PUBLIC_URL`` when it is an HTTPS address (an ``http://`` one, the
        development default, redirects nothing)."""
        url = os.environ.get(PUBLIC_URL_ENV, "").strip().rstrip("/")
        return cls(public_url=url if url.lower().startswith("https://") else None)


def is_secure(scope: dict[str, Any] | Any) -> bool:
    """The request came over TLS: to this server, or to a trusted proxy that said so."""
    return scope.get("scheme") in ("https", "wss")


def is_local(scope: dict[str, Any] | Any) -> bool:
    """The client is this machine: a loopback address, a Unix socket (no address), or an
    in-process client that has no network address at all."""
    client = scope.get("client")
    if not client:
        return True
    try:
        address = ipaddress.ip_address(str(client[0]).split("%", 1)[0])
    except ValueError:
        return True  # not a network peer (an in-process test client)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def plain_http_refusal(scope: dict[str, Any] | Any) -> InsecureTransport | None:
    """A change sent unencrypted from another machine, or None."""
    if is_secure(scope) or is_local(scope) or scope.get("method") not in CHANGING_METHODS:
        return None
    return InsecureTransport(
        "this was sent without encryption, so it was not accepted; nothing was stored",
        hint="use the https:// address of this site and send it again",
    )


def https_redirect(scope: dict[str, Any] | Any, transport: Transport) -> str | None:
    """Where a plain-HTTP read from another machine should go instead, or None."""
    if transport.public_url is None or is_secure(scope) or is_local(scope):
        return None
    path: bytes = scope.get("raw_path") or str(scope.get("path", "/")).encode()
    query: bytes = scope.get("query_string", b"")
    location = transport.public_url + path.decode("latin-1")
    return location + ("?" + query.decode("latin-1") if query else "")


def tls_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """A server context that speaks TLS 1.2 and 1.3 only, with forward-secret AEAD ciphers for
    TLS 1.2 (TLS 1.3's own suites are all of that kind)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MINIMUM_TLS
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL:!MD5:!DSS")
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"cannot load the TLS certificate {certfile} with key {keyfile}: {exc}",
            field="tls-cert",
            hint="give a PEM certificate (chain) and its unencrypted PEM private key",
        ) from None
    return context

"""What every request passes before any route sees it (a plain ASGI middleware, so it adds
microseconds, not a thread hop):

* a body larger than ``MAX_BODY`` is refused with 413, before it is read in full;
* a payment card number anywhere in the path, the query string or the body (every string of
  a JSON body, every value of a form) is refused with 400 ``input.card_number``, before any
  route, service, guard or log sees it (S0-86): the access log below never records a query
  string, so a refused number is written nowhere;
* a NUL character (U+0000) in any of these is refused with 400 ``input.control_character``
  (no field may hold one, and PostgreSQL text cannot);
* a form or other change sent over plain HTTP from another machine is refused with 403
  ``transport.insecure`` before its body is read, and a read over plain HTTP from another
  machine is redirected (308) to the public HTTPS address when one is configured (S0-84,
  ``transport``);
* HEAD is answered as GET without the body;
* every response carries the security headers (over HTTPS, ``Strict-Transport-Security`` too)
  and the request's id, where a route gave it one, and pages with personal data are never
  cached.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from hippocratic.domain.card_number import find_card_number
from hippocratic.errors import CardNumberRefused, ControlCharacter, HippocraticError, TooLarge
from hippocratic.faces.envelope import failure
from hippocratic.faces.web.transport import (
    HSTS,
    Transport,
    https_redirect,
    is_secure,
    plain_http_refusal,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ErrorPage = Callable[[Scope, HippocraticError], ASGIApp | None]
"""The page a person in a browser gets for a refusal, or None for the JSON envelope."""

MAX_BODY = 256 * 1024
"""The largest request body accepted: a long referral letter is a few kilobytes."""
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # never a record's address to another site
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
PRIVATE_PREFIXES = ("/api/", "/console", "/portal")
access_log = logging.getLogger("hippocratic.access")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string of a decoded JSON value, keys included, with where it sits."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def body_strings(body: bytes, content_type: str) -> Iterator[tuple[str, str]]:
    """The texts a request body carries, each with its field ('' for somewhere unnamed): every
    string of a JSON body, every name and value of a form, else the body as text."""
    if not body:
        return
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            decoded = json.loads(text)
        except ValueError:
            pass  # not JSON after all: scanned as text below
        else:
            yield from _strings(decoded, "")
            return
    if "x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(text, keep_blank_values=True):
            yield key, key
            yield key, value
        return
    yield "", text


def body_refusal(body: bytes, content_type: str) -> HippocraticError | None:
    """A card number (S0-86) or a NUL character anywhere in the body, or None."""
    for where, text in body_strings(body, content_type):
        if find_card_number(text):
            return _card_error(where)
        if "\x00" in text:
            return _nul_error(where)
    return None


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        max_body: int = MAX_BODY,
        transport: Transport | None = None,
        error_page: ErrorPage | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.transport = transport or Transport()
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        path: str = scope.get("path", "")
        state: dict[str, Any] = scope.setdefault("state", {})
        secure = is_secure(scope)
        status = 500

        async def respond(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers += SECURITY_HEADERS
                if secure:
                    headers.append((b"strict-transport-security", HSTS))
                if path.startswith(PRIVATE_PREFIXES):  # no-store, whatever the route said
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                request_id = state.get("request_id")
                if request_id:
                    headers.append((b"x-request-id", str(request_id).encode()))
                message = dict(message, headers=headers)
            elif head and message["type"] == "http.response.body":
                message = dict(message, body=b"")
            await send(message)

        try:
            insecure = plain_http_refusal(scope)
            if insecure is not None:  # refused unread: its body is not looked at, kept or logged
                await self._refuse(insecure, respond, scope, as_page=True)
                return
            redirect = https_redirect(scope, self.transport)
            if redirect is not None:
                await self._redirect(redirect, respond)
                return
            refused = self._refusal(scope)
            body = b""
            if refused is None:
                body, refused = await self._body(scope, receive)
            if refused is not None:
                await self._refuse(refused, respond, scope, as_page=False)
                return
            await self.app(scope, _replay(body, receive), respond)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %.1fms", "HEAD" if head else scope["method"], path, status, elapsed
            )

    def _refusal(self, scope: Scope) -> HippocraticError | None:
        query = unquote(scope.get("query_string", b"").decode("latin-1").replace("+", " "))
        address = query + unquote(scope.get("path", ""))
        if find_card_number(query) or find_card_number(unquote(scope.get("path", ""))):
            return _card_error("the address")
        if "\x00" in address:
            return _nul_error("the address")
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                return _too_large(self.max_body)
        return None

    async def _body(self, scope: Scope, receive: Receive) -> tuple[bytes, HippocraticError | None]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", _too_large(self.max_body)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.decode("latin-1").lower()
        return body, body_refusal(body, content_type)

    async def _refuse(
        self, error: HippocraticError, send: Send, scope: Scope, as_page: bool
    ) -> None:
        """The envelope; with ``as_page``, a page instead for a person in a browser."""
        page = self.error_page(scope, error) if as_page and self.error_page else None
        if page is not None:
            await page(scope, _nothing, send)
            return
        payload = json.dumps(failure(error)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": error.http_status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    async def _redirect(location: str, send: Send) -> None:
        """308, so the method is kept; only reads come here (changes are refused)."""
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _card_error(where: str) -> CardNumberRefused:
    return CardNumberRefused(
        "this request holds what looks like a payment card number; card numbers are never "
        "taken here, so nothing was stored or logged",
        field=where or None,
        hint="remove the card number: card payments go to the card provider, and only the "
        "last four digits are kept",
    )


def _nul_error(where: str) -> ControlCharacter:
    return ControlCharacter(
        "this request holds a NUL character (U+0000), which no text here may contain",
        field=where or None,
    )


def _too_large(limit: int) -> TooLarge:
    return TooLarge(
        f"the request body is larger than {limit // 1024} KB",
        hint="send less: attach files through the clinic's document system, not here",
    )


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

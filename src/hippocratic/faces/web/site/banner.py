"""The banner a clinic embeds with one ``<script src=".../{org}/consent.js">``, generated from
its policy's cookie register; its JSON twin (``consent.json``, what a site audit reads); the
receipts it posts for each choice; and the endpoint a withdrawal calls to expire the cookies
the page cannot see (HttpOnly ones), answering with expired ``Set-Cookie`` headers."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from hippocratic.domain.clock import SystemClock
from hippocratic.errors import InputError, NotFound
from hippocratic.faces.envelope import success
from hippocratic.faces.web.site.stand_in import STAND_INS
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.services.cookie_banner import banner_config, register
from hippocratic.services.cookie_consent import (
    CookieReceipts,
    consented,
    cookie_domains,
    cookies_to_expire,
)
from hippocratic.services.site_analytics import Hit, SiteAnalytics, own_cookie
from hippocratic.services.store import Store

SOURCE = Path(__file__).parents[1] / "templates" / "site" / "consent.js"
PLACEHOLDER = "/*CONFIG*/null"
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


@cache
def _source() -> str:
    text = SOURCE.read_text(encoding="utf-8")
    assert PLACEHOLDER in text
    return text


def policy_for(request: Request, org: str) -> Policy:
    """The organisation's policy as the store holds it now, else the file served."""
    store: Store | None = request.app.state.store
    policies: dict[str, Policy] = request.app.state.policies
    if store is not None:
        try:
            return store.policy_of(org)
        except NotFound:
            pass
    if org not in policies:
        raise NotFound(f"no organisation {org!r}", field="org", hint=", ".join(policies))
    return policies[org]


def gpc_header(request: Request) -> bool:
    return request.headers.get("sec-gpc", "").strip() == "1"


def origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def consent_script(policy: Policy, base: str, *, gpc: bool, demo: bool) -> str:
    """``consent.js`` for ``policy``, served from ``base``."""
    config = banner_config(policy, base, gpc=gpc, stand_ins=STAND_INS if demo else ())
    return _source().replace(PLACEHOLDER, json.dumps(config, separators=(",", ":")))


def banner_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    embed = {"vary": "Sec-GPC", "cache-control": "no-cache"}

    @router.get("/{org}/consent.js")
    def script(request: Request, org: str, demo: bool = False) -> Response:
        body = consent_script(
            policy_for(request, org), origin(request), gpc=gpc_header(request), demo=demo
        )
        headers = {**embed, "cross-origin-resource-policy": "cross-origin"}
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    @router.get("/{org}/consent.json")
    def twin(request: Request, org: str, demo: bool = False) -> JSONResponse:
        config = banner_config(
            policy_for(request, org),
            origin(request),
            gpc=gpc_header(request),
            stand_ins=STAND_INS if demo else (),
        )
        return JSONResponse(success(config), headers={**embed, "access-control-allow-origin": "*"})

    @router.post("/{org}/consent/receipts", status_code=201)
    async def receipt(request: Request, org: str) -> JSONResponse:
        store: Store | None = request.app.state.store
        if store is None:
            raise NotFound("this server keeps no consent receipts: it serves notices only")
        payload = _json(await request.body())
        recorded = CookieReceipts(store, org).record(payload, gpc_header=gpc_header(request))
        data = {"receipt": recorded.receipt_id, "recorded_at": recorded.recorded_at}
        return JSONResponse(
            success(data), status_code=201, headers={"access-control-allow-origin": "*"}
        )

    @router.post("/{org}/analytics/hits", status_code=204)
    async def hit(request: Request, org: str) -> Response:
        """A page view from the clinic's own analytics tag: kept only with analytics consent,
        only as the policy allows (``site_analytics``); answered 204 either way, with why."""
        store: Store | None = request.app.state.store
        cors = {"access-control-allow-origin": "*", "cache-control": "no-store"}
        if store is None:
            return Response(status_code=204, headers={**cors, "x-recorded": "no store"})
        policy = policy_for(request, org)
        body = await request.body()
        sent = _json(body) if body.strip() else {}
        sent = sent if isinstance(sent, dict) else {}
        consent_name = register(policy).consent_cookie_name or ""
        own = own_cookie(policy, CookieCategory.ANALYTICS)
        hit = Hit(
            path=str(sent.get("path") or ""),
            referrer=str(sent.get("referrer") or "") or None,
            consent_cookie=str(sent.get("consent") or request.cookies.get(consent_name) or ""),
            analytics_cookie=request.cookies.get(own) if own else None,
            client_ip=request.client.host if request.client else None,
        )
        recorded = await run_in_threadpool(SiteAnalytics(store, org).record, hit)
        return Response(status_code=204, headers={**cors, "x-recorded": recorded.reason})

    @router.post("/{org}/consent/cookies/clear")
    def clear(request: Request, org: str) -> JSONResponse:
        """Expire every non-essential register cookie the consent cookie does not cover now:
        the page deletes those it can see, this deletes the HttpOnly ones too."""
        policy = policy_for(request, org)
        cookies = register(policy)
        store: Store | None = request.app.state.store
        now: datetime = store.clock.now() if store is not None else SystemClock().now()
        keep = consented(policy, request.cookies.get(cookies.consent_cookie_name or ""), now)
        names = cookies_to_expire(policy, request.cookies.keys(), keep)
        own = own_cookie(policy, CookieCategory.ANALYTICS)
        if store is not None and own and CookieCategory.ANALYTICS.value not in keep:
            SiteAnalytics(store, org).forget(request.cookies.get(own))
        response = JSONResponse(success({"expired": names, "kept": sorted(keep)}))
        for name in names:
            for domain in cookie_domains(request.url.hostname or ""):
                response.headers.append("set-cookie", _expired(name, domain))
        response.headers["cache-control"] = "no-store"
        return response

    return router


def _expired(name: str, domain: str | None) -> str:
    where = f"; Domain={domain}" if domain else ""
    return f"{name}=; Max-Age=0; Expires={EXPIRED}; Path=/{where}; SameSite=Lax"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(
            "the receipt is not valid JSON", hint="post what consent.js sends"
        ) from None

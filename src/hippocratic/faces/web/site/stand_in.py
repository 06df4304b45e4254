"""Local stand-ins for the vendors' endpoints the demo site's tags call: Google's gtag.js and
its collect endpoint, Google Ads' conversion endpoint, Meta's fbevents.js and ``/tr`` pixel, and
a YouTube-like embed. They behave like the real ones where it matters to consent (gtag honours
Consent Mode, the pixel holds its events until ``fbq('consent', 'grant')``, each sets the
cookies the register names), and keep the last hits they received for the demo page to show.
Nothing here leaves the machine."""

from __future__ import annotations

import base64
from collections import deque
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.envelope import success
from hippocratic.services.cookie_banner import DEMO_STAND_INS

PREFIX = "/demo/stand-in"
STAND_INS = DEMO_STAND_INS
STATIC = Path(__file__).parents[1] / "static" / "site"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
KEPT = 200


def stand_in_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    received: deque[dict[str, Any]] = deque(maxlen=KEPT)

    def script(name: str) -> Response:
        body = (STATIC / name).read_text(encoding="utf-8")
        return Response(body, media_type="text/javascript; charset=utf-8")

    async def keep(request: Request, vendor: str) -> None:
        body = (await request.body()).decode("utf-8", errors="replace")
        received.append(
            {"vendor": vendor, "path": request.url.path, "query": str(request.url.query),
             "body": body[:2000]}
        )  # fmt: skip

    @router.get(f"{PREFIX}/gtag/js")
    def gtag() -> Response:
        return script("stand-in-gtag.js")

    @router.api_route(f"{PREFIX}/g/collect", methods=["GET", "POST"])
    async def collect(request: Request) -> Response:
        await keep(request, "google_analytics")
        return Response(status_code=204)

    @router.api_route(f"{PREFIX}/pagead/{{kind}}", methods=["GET", "POST"])
    async def pagead(request: Request, kind: str) -> Response:
        await keep(request, "google_ads")
        return Response(PIXEL, media_type="image/gif")

    @router.get(f"{PREFIX}/fbevents.js")
    def fbevents() -> Response:
        return script("stand-in-fbevents.js")

    @router.api_route(f"{PREFIX}/tr", methods=["GET", "POST"])
    async def tr(request: Request) -> Response:
        await keep(request, "meta")
        return Response(PIXEL, media_type="image/gif", headers={"cache-control": "no-store"})

    @router.get(f"{PREFIX}/youtube/embed/{{video}}", response_class=HTMLResponse)
    def youtube(request: Request, video: str) -> HTMLResponse:
        return templates.TemplateResponse(request, "site/youtube.html", {"video": video[:32]})

    @router.get(f"{PREFIX}/received.json")
    def hits() -> JSONResponse:
        """What the stand-ins received, newest last: the demo's view of what left the page."""
        return JSONResponse(success(list(received)), headers={"cache-control": "no-store"})

    return router

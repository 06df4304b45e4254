"""A demo of a clinic's public website at ``/demo/site`` (``?org=`` picks the organisation; the
store's first by default): its pages embed the banner and carry Google Analytics, Google Ads,
Meta Pixel and video tags marked up inert, pointed at the local stand-ins. The service pages
and the booking page reveal health, so the banner's firewall keeps analytics and advertising off
them whatever the consent (S0-96). ``/demo/site/leaky`` gets it wrong on purpose (a tag loaded
without the gate), for the site audit to catch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hippocratic.domain.clock import SystemClock
from hippocratic.errors import InputError, NotFound
from hippocratic.faces.web.site.banner import policy_for
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy
from hippocratic.services.cookie_banner import is_sensitive, register, service_slug
from hippocratic.services.cookie_consent import consented
from hippocratic.services.site_analytics import own_cookie
from hippocratic.services.store import Store

ROOT = "/demo/site"
LANGUAGES = {"en": "English", "cy": "Cymraeg"}


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    body: str
    sensitive: bool = False


def pages(policy: Policy) -> list[Page]:
    name = policy.organisation.display_name
    found = [
        Page("", "Welcome", f"{name} is a demo clinic. Browse freely: nothing optional is set."),
        Page("prices", "Prices", "Our prices are listed in the clinic; ask reception."),
        *(
            Page(service_slug(s.key), s.title, f"What to expect at your {s.title.lower()}.")
            for s in policy.services
        ),
        Page("book", "Book an appointment", "Choose a service and a time that suits you."),
    ]
    return [Page(p.slug, p.title, p.body, is_sensitive(policy, "/" + p.slug)) for p in found]


def demo_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def organisation(request: Request, org: str | None) -> str:
        if org:
            return org
        store: Store | None = request.app.state.store
        if store is not None:
            with store.sessions() as session:
                held = store.organisations(session)
            if held:
                return sorted(held)[0]
        policies: dict[str, Policy] = request.app.state.policies
        if not policies:
            raise NotFound("there is no organisation to show a demo site for")
        return next(iter(policies))

    def render(request: Request, org: str | None, slug: str, leaky: bool) -> HTMLResponse:
        key = organisation(request, org)
        policy = policy_for(request, key)
        cookies = register(policy)
        site = pages(policy)
        page = next((p for p in site if p.slug == slug), None)
        if page is None:
            raise NotFound(f"the demo site has no page {slug!r}", hint="start at /demo/site")
        query = f"?org={key}"
        links: list[dict[str, Any]] = [
            {"href": f"{ROOT}/{p.slug}".rstrip("/") + query, "title": p.title} for p in site
        ]
        sensitive = next((p for p in site if p.sensitive and p.slug != "book"), None)
        if leaky:  # linked only from the leaky pages, so an audit of the site never finds them
            links.append({"href": f"{ROOT}/leaky{query}", "title": "Leaky page (a mistake)"})
        if leaky and sensitive is not None:
            leaky_page = f"{ROOT}/leaky/{sensitive.slug}{query}"
            links.append({"href": leaky_page, "title": f"Leaky {sensitive.title.lower()}"})
        prefix = f"{ROOT}/leaky" if leaky else ROOT
        here = f"{prefix}/{slug}".rstrip("/") + query
        language_cookie = own_cookie(policy, CookieCategory.FUNCTIONAL)
        context = {
            "org": key,
            "name": policy.organisation.display_name,
            "page": page,
            "links": links,
            "here": here,
            "here_url": str(request.url),
            "leaky": leaky,
            "vendors": {v.key: True for v in cookies.vendors},
            "own_analytics": own_cookie(policy, CookieCategory.ANALYTICS),
            "video": any(d.category is CookieCategory.FUNCTIONAL for d in cookies.categories),
            "language_cookie": language_cookie,
            "language": LANGUAGES.get(request.cookies.get(language_cookie or "", "")),
            "enquiry": request.app.state.store is not None and policy.records.enquiry is not None,
        }
        response = templates.TemplateResponse(request, "site/demo.html", context)
        response.headers["cache-control"] = "no-store"
        return response

    @router.get(ROOT, response_class=HTMLResponse)
    def home(request: Request, org: str | None = None) -> HTMLResponse:
        return render(request, org, "", leaky=False)

    @router.get(f"{ROOT}/leaky", response_class=HTMLResponse)
    def leaky(request: Request, org: str | None = None) -> HTMLResponse:
        return render(request, org, "", leaky=True)

    @router.get(f"{ROOT}/leaky/{{slug}}", response_class=HTMLResponse)
    def leaky_page(request: Request, slug: str, org: str | None = None) -> HTMLResponse:
        return render(request, org, slug, leaky=True)

    @router.get(f"{ROOT}/language")
    def language(request: Request, lang: str, org: str | None = None) -> Response:
        """Remember a language, server-side and HttpOnly, only with functional consent
        (S0-93): the withdrawal endpoint is what can delete it again."""
        if lang not in LANGUAGES:
            raise InputError(f"no language {lang!r}", field="lang", hint=", ".join(LANGUAGES))
        key = organisation(request, org)
        policy = policy_for(request, key)
        response = RedirectResponse(f"{ROOT}?org={key}", status_code=303)
        name = own_cookie(policy, CookieCategory.FUNCTIONAL)
        chosen = request.cookies.get(register(policy).consent_cookie_name or "")
        if name and CookieCategory.FUNCTIONAL.value in consented(policy, chosen, _now(request)):
            response.set_cookie(name, lang, max_age=365 * 86400, httponly=True, samesite="lax")
        return response

    @router.get(f"{ROOT}/{{slug}}", response_class=HTMLResponse)
    def page(request: Request, slug: str, org: str | None = None) -> HTMLResponse:
        return render(request, org, slug, leaky=False)

    return router


def _now(request: Request) -> datetime:
    store: Store | None = request.app.state.store
    return store.clock.now() if store is not None else SystemClock().now()

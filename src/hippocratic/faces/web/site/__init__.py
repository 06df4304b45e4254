"""The clinic's public website: the cookie banner it embeds (``/{org}/consent.js``, its JSON
twin, the receipts it posts and the withdrawal that expires cookies), the public enquiry form
(``/{org}/enquiry``, which works with cookies off), and a demo site (``/demo/site``) whose
Google and Meta tags point at stand-ins served here, so what the banner lets through can be
seen and tested offline."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.site.banner import banner_router
from hippocratic.faces.web.site.demo import demo_router
from hippocratic.faces.web.site.embed_headers import EmbedHeaders
from hippocratic.faces.web.site.enquiry import enquiry_router
from hippocratic.faces.web.site.stand_in import stand_in_router

__all__ = ["EmbedHeaders", "install_site", "site_router"]


def site_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(banner_router())
    router.include_router(demo_router(templates))
    router.include_router(enquiry_router(templates))
    router.include_router(stand_in_router(templates))
    return router


def install_site(app: FastAPI, templates: Jinja2Templates) -> None:
    """The site's routes, and its embed headers outside every other middleware (call it after
    ``RequestGuard`` is added, so the headers it rewrites are already there)."""
    app.include_router(site_router(templates))
    app.add_middleware(EmbedHeaders)

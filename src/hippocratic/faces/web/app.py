"""The web app: the organisations' published notices, and, with a store, the clinic's JSON API
(``/api/v1``, OpenAPI at ``/openapi.json``, docs at ``/api/docs``) and the staff console
(``/console``), every page with a JSON twin. Every request passes ``RequestGuard`` first (body
limit, card numbers, HEAD, security headers); every error is the one envelope, or a page for a
person in a browser (``error_pages``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hippocratic import __version__
from hippocratic.faces.web import error_pages
from hippocratic.faces.web.notice_pages import notice_router
from hippocratic.faces.web.request_guard import RequestGuard
from hippocratic.faces.web.site import install_site
from hippocratic.faces.web.transport import Transport
from hippocratic.policy.document import Policy
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import notices
from hippocratic.services.store import Store, open_store

HERE = Path(__file__).parent
REPOSITORY = HERE.parents[3]
SHIPPED_POLICIES = sorted((REPOSITORY / "policies").glob("*.yaml"))
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
POLICIES_ENV = "HIPPOCRATIC_SERVE_POLICIES"
NOTICES_ONLY_ENV = "HIPPOCRATIC_SERVE_NOTICES_ONLY"


def create_app(
    policy_files: list[Path],
    archive: Path = notices.DEFAULT_ARCHIVE,
    store: Store | None = None,
    transport: Transport | None = None,
) -> FastAPI:
    """Serve ``policy_files`` (each must pass ``policy check``) and the notice versions
    published to ``archive``; with ``store``, also the clinic's API and staff console for every
    organisation the store holds (its own stored policy, not the file's). ``transport`` says
    where plain HTTP from other machines is redirected (default: ``HIPPOCRATIC_PUBLIC_URL``,
    when it is HTTPS); changes over plain HTTP from other machines are refused whatever it
    says."""
    policies: dict[str, Policy] = {
        policy.organisation.key: policy for policy in map(load_sound_policy, policy_files)
    }
    if store is not None:
        with store.sessions() as session:
            for organisation in store.organisations(session):
                policies[organisation] = store.policy(session, organisation)
    app = FastAPI(
        title="Hippocratic",
        version=__version__,
        summary="The patient-data service whose privacy notice is true by construction.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.policies = policies
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    error_pages.install(app, TEMPLATES)
    app.include_router(notice_router(policies, TEMPLATES, archive))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "api_docs.html", {})

    if store is not None:
        from hippocratic.faces.web.api import api_router
        from hippocratic.faces.web.console import console_router
        from hippocratic.faces.web.portal import portal_router
        from hippocratic.faces.web.unsubscribe_pages import unsubscribe_router

        app.include_router(api_router(), prefix="/api/v1")
        app.include_router(console_router(TEMPLATES), prefix="/console")
        app.include_router(portal_router(TEMPLATES))
        app.include_router(unsubscribe_router(TEMPLATES))
    app.add_middleware(
        RequestGuard,
        transport=transport or Transport.from_environment(),
        error_page=error_pages.page_for(TEMPLATES),
    )
    install_site(app, TEMPLATES)
    return app


def configure_logging() -> None:
    """The server's log: our access log (``hippocratic.access``, which never records a query
    string; uvicorn's would) and warnings, with the time."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")


def from_environment() -> FastAPI:
    """The app for one of ``serve --workers N``'s processes: the policy files, store and keys
    that ``serve`` put in the environment (``HIPPOCRATIC_SERVE_POLICIES``, path-separated;
    ``HIPPOCRATIC_DATABASE_URL``; ``HIPPOCRATIC_KEYS_DIR``), each process with its own
    connections, closed when it stops."""
    configure_logging()  # a worker process starts with no logging of its own
    listed = os.environ.get(POLICIES_ENV, "")
    files = [Path(p) for p in listed.split(os.pathsep) if p] or SHIPPED_POLICIES
    store = None if os.environ.get(NOTICES_ONLY_ENV) == "1" else open_store()
    app = create_app(files, store=store)
    if store is not None:
        app.router.on_shutdown.append(store.dispose)
    return app

"""The organisations' published pages: each privacy notice (HTML, Markdown, JSON), the
just-in-time notice of each form, the record of processing activities, the versions of the
notice ever published, and the website's terms of use, versioned with the notice and linking to
its version's permanent address (S0-04). Public: they hold no personal data and set no
cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import NotFound
from hippocratic.faces.envelope import success
from hippocratic.policy.document import Policy
from hippocratic.policy.jit_notice import build_jit_notice, render_jit_notice
from hippocratic.policy.notice import build_notice, render_notice
from hippocratic.policy.ropa import COLUMNS, build_ropa, render_ropa
from hippocratic.policy.terms import Terms, build_terms
from hippocratic.services import notices


def notice_router(
    policies: dict[str, Policy], templates: Jinja2Templates, archive: Path
) -> APIRouter:
    app = APIRouter(include_in_schema=False)

    def policy_of(org: str) -> Policy:
        if org not in policies:
            raise NotFound(f"no organisation {org!r}", field="org", hint=", ".join(policies))
        return policies[org]

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, template, context)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "index.html", policies=list(policies.values()))

    @app.get("/index.json")
    def index_json() -> dict[str, Any]:
        return success(
            [
                {
                    "key": key,
                    "name": p.organisation.display_name,
                    "notice": f"/{key}/privacy",
                    "terms": f"/{key}/terms",
                }
                for key, p in policies.items()
            ]
        )

    @app.get("/{org}/privacy", response_class=HTMLResponse)
    def notice_html(org: str) -> HTMLResponse:
        return HTMLResponse(render_notice(policy_of(org), "html"))

    @app.get("/{org}/privacy.json")
    def notice_json(org: str) -> dict[str, Any]:
        return success(build_notice(policy_of(org)))

    @app.get("/{org}/privacy.md", response_class=PlainTextResponse)
    def notice_md(org: str) -> PlainTextResponse:
        return PlainTextResponse(render_notice(policy_of(org), "md"), media_type="text/markdown")

    @app.get("/{org}/forms/{form}/notice", response_class=HTMLResponse)
    def jit_html(request: Request, org: str, form: str) -> HTMLResponse:
        policy = policy_of(org)
        body = render_jit_notice(policy, form, "html", notice_url=f"/{org}/privacy")
        title = policy.form_by_key[form].title
        return page(request, "jit.html", policy=policy, body=body, form_title=title)

    @app.get("/{org}/forms/{form}/notice.json")
    def jit_json(org: str, form: str) -> dict[str, Any]:
        return success(build_jit_notice(policy_of(org), form, notice_url=f"/{org}/privacy"))

    @app.get("/{org}/ropa", response_class=HTMLResponse)
    def ropa_html(request: Request, org: str) -> HTMLResponse:
        policy = policy_of(org)
        return page(
            request, "ropa.html", policy=policy, entries=build_ropa(policy), columns=COLUMNS
        )

    @app.get("/{org}/ropa.json")
    def ropa_json(org: str) -> dict[str, Any]:
        return success(build_ropa(policy_of(org)))

    @app.get("/{org}/ropa.csv", response_class=PlainTextResponse)
    def ropa_csv(org: str) -> PlainTextResponse:
        return PlainTextResponse(render_ropa(policy_of(org), "csv"), media_type="text/csv")

    @app.get("/{org}/notice/versions", response_class=HTMLResponse)
    def versions_html(request: Request, org: str) -> HTMLResponse:
        policy = policy_of(org)
        records = notices.history(org, archive)
        return page(request, "versions.html", policy=policy, records=records)

    @app.get("/{org}/notice/versions.json")
    def versions_json(org: str) -> dict[str, Any]:
        policy_of(org)
        return success(notices.history(org, archive))

    @app.get("/{org}/notice/versions/{version}.{fmt}")
    def version_text(org: str, version: str, fmt: str) -> Response:
        """A published version as it was kept; the version in force, if not published yet,
        as the policy renders it (the same text ``notice publish`` would keep)."""
        policy = policy_of(org)
        try:
            text = notices.version_text(org, version, fmt, archive)
        except NotFound:
            if version != policy.notice.version or fmt not in ("html", "md"):
                raise
            text = render_notice(policy, "html" if fmt == "html" else "md")
        media = "text/html" if fmt == "html" else "text/markdown"
        return Response(text, media_type=f"{media}; charset=utf-8")

    def terms_of(org: str, version: str | None) -> Terms:
        policy = policy_of(org)
        if version is None or version == policy.notice.version:
            return build_terms(policy)
        for record in notices.history(org, archive):
            if record.version == version:
                return build_terms(policy, record.version, record.effective_date)
        raise NotFound(
            f"{org} has published no terms version {version!r}",
            field="version",
            hint=f"the terms in force are at /{org}/terms",
        )

    @app.get("/{org}/terms", response_class=HTMLResponse)
    def terms_html(request: Request, org: str) -> HTMLResponse:
        return page(request, "terms.html", policy=policy_of(org), terms=terms_of(org, None))

    @app.get("/{org}/terms.json")
    def terms_json(org: str) -> dict[str, Any]:
        return success(terms_of(org, None))

    @app.get("/{org}/terms/versions/{version}.json")
    def terms_version_json(org: str, version: str) -> dict[str, Any]:
        return success(terms_of(org, version))

    @app.get("/{org}/terms/versions/{version}", response_class=HTMLResponse)
    def terms_version_html(request: Request, org: str, version: str) -> HTMLResponse:
        return page(request, "terms.html", policy=policy_of(org), terms=terms_of(org, version))

    return app

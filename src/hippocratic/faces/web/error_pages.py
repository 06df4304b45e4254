"""One place maps errors to HTTP: API clients get the JSON envelope (stable code, field,
message), people in a browser get a page that says the same in words. Bad input is a 4xx,
never a 500; an unexpected error is a 500 that reveals nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from hippocratic.errors import HippocraticError, InputError, NotFound, SignInRequired
from hippocratic.faces.envelope import failure

log = logging.getLogger("hippocratic.web")
TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Already done",
    410: "Erased",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


class HttpProblem(HippocraticError):
    """What Starlette itself refuses (a method a route does not take, say)."""

    code = "http.refused"


def wants_page(request: Request) -> bool:
    """A person in a browser, not an API client: an HTML-accepting request off the API and
    off the JSON twins."""
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _validation_error(error: RequestValidationError) -> InputError | NotFound:
    problem: dict[str, Any] = error.errors()[0] if error.errors() else {}
    if tuple(problem.get("loc", ()))[:1] == ("path",):
        return NotFound("there is nothing here by that identifier")
    location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query")]
    field = ".".join(location) or None
    kind = problem.get("type", "")
    if kind == "json_invalid":
        return InputError("the request body is not valid JSON", hint="send a JSON object")
    message = str(problem.get("msg", "invalid value"))
    if kind == "missing":
        message = "this is required"
    elif kind == "extra_forbidden":
        message = "this is not something this request takes"
    return InputError(f"{field}: {message}" if field else message, field=field)


def page_for(templates: Jinja2Templates) -> Callable[[Any, HippocraticError], Response | None]:
    """For a refusal made before any route (``RequestGuard``): the error page a person in a
    browser gets, or None, so an API client gets the envelope."""

    def page(scope: Any, error: HippocraticError) -> Response | None:
        request = Request(scope)
        if not wants_page(request):
            return None
        status = error.http_status
        context = {"error": error, "status": status, "title": TITLES.get(status, "Error")}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    return page


def install(app: FastAPI, templates: Jinja2Templates) -> None:
    def render(request: Request, error: HippocraticError, status: int) -> Response:
        path = request.url.path
        if (
            isinstance(error, SignInRequired)
            and path.startswith("/console")
            and ("json" not in request.headers.get("accept", "") and not path.endswith(".json"))
        ):
            return RedirectResponse(f"/console/sign-in?next={quote(path)}", status_code=303)
        if wants_page(request):
            context = {"error": error, "status": status, "title": TITLES.get(status, "Error")}
            return templates.TemplateResponse(request, "error.html", context, status_code=status)
        return JSONResponse(failure(error), status_code=status)

    @app.exception_handler(HippocraticError)
    async def _domain(request: Request, error: HippocraticError) -> Response:
        return render(request, error, error.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        problem = _validation_error(error)
        return render(request, problem, problem.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            wrapped: HippocraticError = NotFound("no such page", hint="check the address")
        else:
            wrapped = HttpProblem(str(error.detail))
        response = render(request, wrapped, error.status_code)
        if error.headers:
            response.headers.update(error.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        unexpected = HippocraticError("something went wrong on our side; nothing was changed")
        return render(request, unexpected, 500)

"""The DPO's retention page: legal holds (place and lift), the reviews at expiry to sign off
(keep until a day, or dispose), and what falls due in the coming months as an inline SVG plot
with its table. The JSON twin (``/console/retention.json``) carries the same data and the
forecast's numbers; other roles are told the page is the DPO's."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.console.page import Staff, render, see_other, wants_json
from hippocratic.faces.web.console.patient_pages import section
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import PATTERN, RecordId
from hippocratic.services.retention_desk import RetentionDesk
from hippocratic.services.retention_forecast import Forecast, forecast, plot
from hippocratic.services.retention_jobs import store_today

Said = Annotated[str, Form(min_length=1, max_length=2000)]
ReviewId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[0-9A-Za-z_:-]{1,200}$")]
SubjectId = Annotated[str, Form(min_length=1, max_length=36, pattern=PATTERN)]
FORECAST_MONTHS = 12


def _svg(result: Forecast) -> str:
    """The plot as markup to inline: matplotlib's SVG without its XML prologue."""
    text = plot(result, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def retention_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/retention")
    @router.get("/retention.json")
    def retention(request: Request, who: Staff) -> Response:
        store = store_of(request)
        desk = RetentionDesk(store, who.actor)
        holds = section(lambda: desk.holds())
        data: dict[str, Any] = {
            "holds": holds,
            "reviews": section(lambda: desk.reviews()),
            "forecast": None,
        }
        svg = ""
        if holds["refused"] is None:
            result = forecast(store, who.actor.organisation, store_today(store), FORECAST_MONTHS)
            data["forecast"] = result
            svg = "" if wants_json(request) else _svg(result)
        return render(templates, request, "console/retention.html", data, who, svg=svg)

    @router.post("/retention/holds")
    def place(
        request: Request,
        who: Staff,
        subject: SubjectId,
        kind: Annotated[str, Form(pattern="^(litigation|complaint|investigation|rights_request)$")],
        reason: Said,
        owner: Annotated[str, Form(min_length=1, max_length=128)],
    ) -> Response:
        RetentionDesk(store_of(request), who.actor).place_hold(subject, kind, reason, owner)
        return see_other("/console/retention#holds")

    @router.post("/retention/holds/{hold_id}/lift")
    def lift(request: Request, who: Staff, hold_id: RecordId, reason: Said) -> Response:
        RetentionDesk(store_of(request), who.actor).lift_hold(hold_id, reason)
        return see_other("/console/retention#holds")

    @router.post("/retention/reviews/{review_id}")
    def decide(
        request: Request,
        who: Staff,
        review_id: ReviewId,
        decision: Annotated[str, Form(pattern="^(keep|dispose)$")],
        reason: Said,
        keep_until: Annotated[date | None, Form()] = None,
    ) -> Response:
        RetentionDesk(store_of(request), who.actor).decide(review_id, decision, reason, keep_until)
        return see_other("/console/retention#reviews")

    return router

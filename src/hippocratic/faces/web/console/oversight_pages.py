"""The DPO's pages: Art. 14 notices due (overdue marked) and break-glass uses to review, each
closed with what was done. Other roles are told the page is the DPO's, and the look is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.console.patient_pages import section
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.break_glass_review import BreakGlassReviews

Note = Annotated[str, Form(max_length=2000)]


def oversight_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/oversight")
    @router.get("/oversight.json")
    def oversight(request: Request, who: Staff) -> Response:
        store = store_of(request)
        data = {
            "art14_tasks": section(lambda: Art14Tasks(store, who.actor).queue().items),
            "break_glass": section(lambda: BreakGlassReviews(store, who.actor).queue()),
        }
        return render(templates, request, "console/oversight.html", data, who)

    @router.post("/oversight/art14/{task_id}")
    def close_task(
        request: Request,
        who: Staff,
        task_id: RecordId,
        outcome: Note,
        exempt: Annotated[bool, Form()] = False,
    ) -> Response:
        Art14Tasks(store_of(request), who.actor).close(task_id, outcome, exempt=exempt)
        return see_other("/console/oversight")

    @router.post("/oversight/break-glass/{item_id}")
    def resolve(request: Request, who: Staff, item_id: RecordId, finding: Note) -> Response:
        BreakGlassReviews(store_of(request), who.actor).resolve(item_id, finding)
        return see_other("/console/oversight")

    return router

"""The DPO's queues: Art. 14 notices due (overdue first to act on) and break-glass uses to
review. Open to DPO roles only; every look is itself on the ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import Art14CloseIn, FindingIn
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.break_glass_review import BreakGlassReviews

router = APIRouter(tags=["oversight"])
Who = Annotated[Caller, Depends(caller)]


@router.get("/art14-tasks", summary="Art. 14 notices still to give, earliest due first")
def art14_queue(
    request: Request,
    who: Who,
    overdue: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> dict[str, Any]:
    tasks = Art14Tasks(store_of(request), who.actor)
    return success(tasks.queue(overdue_only=overdue, cursor=cursor, limit=limit))


@router.post("/art14-tasks/{task_id}/close", summary="The patient was told, or is exempt")
def art14_close(
    request: Request, who: Who, task_id: RecordId, done: Art14CloseIn
) -> dict[str, Any]:
    tasks = Art14Tasks(store_of(request), who.actor)
    return success(tasks.close(task_id, done.outcome, exempt=done.exempt))


@router.get("/break-glass-reviews", summary="Break-glass uses awaiting the DPO's review")
def break_glass_queue(request: Request, who: Who, resolved: bool = False) -> dict[str, Any]:
    reviews = BreakGlassReviews(store_of(request), who.actor)
    return success(reviews.queue(include_resolved=resolved))


@router.post("/break-glass-reviews/{item_id}", summary="Record what a review found")
def break_glass_resolve(
    request: Request, who: Who, item_id: RecordId, finding: FindingIn
) -> dict[str, Any]:
    reviews = BreakGlassReviews(store_of(request), who.actor)
    return success(reviews.resolve(item_id, finding.finding))

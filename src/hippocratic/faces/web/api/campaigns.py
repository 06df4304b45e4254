"""Marketing campaigns: an audience counted from marketing-eligible facts only, a template
that must carry its unsubscribe link, and a send to those whose consent counts at that
moment. Asking for health or health-revealing data in any part is refused and audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.models import AudienceIn, CampaignIn
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.audience import Audience, Criterion
from hippocratic.services.campaigns import CampaignDraft, Campaigns

router = APIRouter(prefix="/campaigns", tags=["marketing"])
Who = Annotated[Caller, Depends(caller)]


def _campaigns(request: Request, who: Who) -> Campaigns:
    return Campaigns(store_of(request), who.actor)


@router.get("", summary="Campaigns, newest first")
def listed(request: Request, who: Who) -> Any:
    return success(_campaigns(request, who).campaigns())


@router.post("/audience", summary="How many people an audience holds now")
def audience(request: Request, who: Who, asked: AudienceIn) -> Any:
    """Narrow only on ``registered_after``, ``registered_before``, ``opted_in_after`` or
    ``opted_in_before`` (a date); any other criterion, column or sort is refused."""
    counted = _campaigns(request, who).preview(
        Audience(
            asked.purpose or "",
            asked.channel,
            tuple(Criterion(c.fact, c.value) for c in asked.criteria),
            tuple(asked.columns),
            asked.order_by,
            asked.service,
        )
    )
    return success({"count": counted})


@router.post("", summary="Draft a campaign")
def create(request: Request, who: Who, draft: CampaignIn) -> Any:
    """The template may use ``{name}``, ``{clinic}`` and must use ``{unsubscribe_url}``."""
    made = _campaigns(request, who).create(
        CampaignDraft(
            name=draft.name,
            channel=draft.channel,
            subject_line=draft.subject_line,
            body=draft.body,
            purpose=draft.purpose,
            criteria=tuple(Criterion(c.fact, c.value) for c in draft.criteria),
            service=draft.service,
        )
    )
    return success(made)


@router.post("/{campaign}/send", summary="Send a drafted campaign now")
def send(request: Request, who: Who, campaign: RecordId) -> Any:
    return success(_campaigns(request, who).send(campaign))

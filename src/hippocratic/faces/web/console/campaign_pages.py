"""Campaigns in the console, for the marketing role: draft one (its template must carry the
unsubscribe link), count an audience from marketing-eligible facts, send, and see what went,
what failed and who unsubscribed. Other roles are told marketing is not theirs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import AccessDenied
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.guard.compiled_policy import soft_opt_in_allowed
from hippocratic.services.audience import Audience, Criterion, Fact
from hippocratic.services.campaigns import CampaignDraft, Campaigns

Line = Annotated[str, Form(max_length=200)]
Body = Annotated[str, Form(max_length=20_000)]
Day = Annotated[str, Form(max_length=10)]
Service = Annotated[str, Form(max_length=64)]
TEMPLATE = "Hello {name},\n\n…\n\nTo stop these messages: {unsubscribe_url}\n"


def campaign_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(request: Request, who: Staff, **extra: Any) -> Response:
        campaigns = Campaigns(store_of(request), who.actor)
        policy = campaigns.policy
        purpose = policy.marketing.purpose if policy.marketing else None
        spec = policy.purpose_by_key[purpose].consent if purpose else None
        data: dict[str, Any] = {"campaigns": None, "refused": None}
        try:
            data["campaigns"] = campaigns.campaigns()
        except AccessDenied as denied:
            data["refused"] = denied.message
        soft = [(s.key, s.title) for s in policy.services if not s.health_revealing]
        return render(
            templates, request, "console/campaigns.html", data, who,
            channels=spec.channels if spec else [], starter=TEMPLATE,
            soft_services=soft if purpose and soft_opt_in_allowed(policy, purpose) else [],
            **extra,
        )  # fmt: skip

    @router.get("/campaigns")
    @router.get("/campaigns.json")
    def campaigns(request: Request, who: Staff) -> Response:
        return page(request, who)

    @router.post("/campaigns")
    def draft(
        request: Request,
        who: Staff,
        name: Line,
        channel: Annotated[str, Form(max_length=16)],
        subject_line: Line,
        body: Body,
        registered_after: Day = "",
        opted_in_after: Day = "",
        service: Service = "",
    ) -> Response:
        Campaigns(store_of(request), who.actor).create(
            CampaignDraft(
                name,
                channel,
                subject_line,
                body,
                criteria=_criteria(registered_after, opted_in_after),
                service=service or None,
            )
        )
        return see_other("/console/campaigns")

    @router.post("/campaigns/audience")
    def audience(
        request: Request,
        who: Staff,
        channel: Annotated[str, Form(max_length=16)],
        registered_after: Day = "",
        opted_in_after: Day = "",
        service: Service = "",
    ) -> Response:
        criteria = _criteria(registered_after, opted_in_after)
        counted = Campaigns(store_of(request), who.actor).preview(
            Audience("", channel, criteria, service=service or None)
        )
        return page(request, who, counted=counted, counted_channel=channel)

    @router.post("/campaigns/{campaign}/send")
    def send(request: Request, who: Staff, campaign: RecordId) -> Response:
        report = Campaigns(store_of(request), who.actor).send(campaign)
        return page(request, who, report=report)

    return router


def _criteria(registered_after: str, opted_in_after: str) -> tuple[Criterion, ...]:
    pairs = ((Fact.REGISTERED_AFTER, registered_after), (Fact.OPTED_IN_AFTER, opted_in_after))
    return tuple(Criterion(fact.value, value) for fact, value in pairs if value)

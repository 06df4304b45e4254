"""Rights requests in the console: the DPO's queue (every open request, soonest due first, with
days left, a warning within seven days, what it waits for and any failed step with its log),
one request with its clock reasoning, its log and the step it is at, and a form to record a
request that came by letter, email, phone or in person. Every action acts through the rights
services, so each is a guard decision and a step on the request's log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.domain.rights_deadline import TIMED_RIGHTS
from hippocratic.errors import InputError
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.console.patient_pages import section
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.policy.settings import RightName
from hippocratic.services.access_formats import PackageFormat
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.automated_decisions import HumanReview
from hippocratic.services.child_access import ChildAccess
from hippocratic.services.erasure import Erasure
from hippocratic.services.objection import Objections, Restrictions
from hippocratic.services.portability import Portability
from hippocratic.services.rectification import Rectification
from hippocratic.services.release_incident import ReleaseFault, ReleaseIncidents
from hippocratic.services.rights_clock import LONDON, RequestChannel, Requester
from hippocratic.services.rights_decisions import RefusalGround
from hippocratic.services.rights_letters import LetterKind, RightsLetters, letters_for
from hippocratic.services.rights_request import NewRightsRequest

Note = Annotated[str, Form(max_length=2000)]
STAFF_CHANNELS = [c for c in RequestChannel if c is not RequestChannel.PORTAL]
PACKAGED = (RightName.ACCESS, RightName.PORTABILITY)


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def _received(day: str, clock: str) -> datetime | None:
    """When a letter arrived or a call was taken, as staff write it: a UK date and time."""
    when = _date(day, "received_on")
    if when is None:
        return None
    try:
        hour, minute = (int(part) for part in (clock or "09:00").split(":", 1))
        return datetime(when.year, when.month, when.day, hour, minute, tzinfo=LONDON)
    except ValueError:
        raise InputError(f"{clock!r} is not a time (HH:MM)", field="received_time") from None


def rights_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def work(request: Request, who: Staff) -> AccessRelease:
        return AccessRelease(store_of(request), who.actor)

    @router.get("/rights")
    @router.get("/rights.json")
    def queue(request: Request, who: Staff) -> Response:
        data = section(lambda: work(request, who).queue())
        return render(templates, request, "console/rights.html", data, who)

    @router.get("/rights/new")
    def new(
        request: Request, who: Staff, subject: Annotated[str, Query(max_length=36)] = ""
    ) -> Response:
        policy = store_of(request).policy_of(who.actor.organisation)
        offered = [r for r in policy.rights.offered if r in TIMED_RIGHTS]
        return render(
            templates, request, "console/rights_new.html", {"subject": subject}, who,
            rights=offered, channels=STAFF_CHANNELS, requesters=list(Requester),
        )  # fmt: skip

    @router.post("/rights")
    def record(
        request: Request,
        who: Staff,
        subject: Annotated[str, Form(max_length=36)],
        right: Annotated[RightName, Form()],
        channel: Annotated[RequestChannel, Form()],
        detail: Note = "",
        requester: Annotated[Requester, Form()] = Requester.SELF,
        requester_name: Annotated[str, Form(max_length=200)] = "",
        authority: Note = "",
        received_on: Annotated[str, Form(max_length=10)] = "",
        received_time: Annotated[str, Form(max_length=5)] = "",
        scope_from: Annotated[str, Form(max_length=10)] = "",
        scope_to: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        made = work(request, who).submit(
            NewRightsRequest(
                subject=subject,
                right=right,
                channel=channel,
                detail=detail,
                requester=requester,
                requester_name=requester_name or None,
                authority=authority or None,
                received_at=_received(received_on, received_time),
                scope_from=_date(scope_from, "scope_from"),
                scope_to=_date(scope_to, "scope_to"),
            )
        )
        return see_other(f"/console/rights/{made.request_id}")

    @router.get("/rights/{request_id}")
    @router.get("/rights/{request_id}.json")
    def one(request: Request, who: Staff, request_id: RecordId) -> Response:
        service = work(request, who)
        shown = service.get(request_id, service.capacity())
        data: dict[str, Any] = {"request": shown, "letters": letters_for(shown)}
        if shown.right in PACKAGED and shown.steps and any(s.name == "build" for s in shown.steps):
            data["package"] = section(lambda: service.package(request_id))
        if shown.right is RightName.ERASURE and shown.is_open:
            data["erasure"] = section(
                lambda: Erasure(store_of(request), who.actor).plan(request_id)
            )
        policy = store_of(request).policy_of(who.actor.organisation)
        purposes = [{"key": p.key, "title": p.title, "basis": p.lawful_basis.value}
                    for p in policy.purposes if "patients" in p.data_subjects]  # fmt: skip
        entries = policy.records.clinical_entry
        clinical = set(entries.fields) if entries is not None else set()
        fields = [{"key": f.key, "title": f.title} for c in policy.categories for f in c.fields
                  if not f.card_number and f.key not in clinical]  # fmt: skip
        return render(
            templates, request, "console/rights_request.html", data, who,
            grounds=list(RefusalGround), formats=list(PackageFormat), purposes=purposes,
            fields=fields,
        )  # fmt: skip

    @router.post("/rights/{request_id}/{action}")
    async def act(request: Request, who: Staff, request_id: RecordId, action: str) -> Response:
        form = await request.form()

        def field(name: str, limit: int = 2000) -> str:
            value = form.get(name)
            text = value if isinstance(value, str) else ""
            if len(text) > limit:
                raise InputError(f"{name} is too long (at most {limit})", field=name)
            return text

        if action == "release-incident":
            made = ReleaseIncidents(store_of(request), who.actor).report_release(
                request_id, _fault(field("fault", 16)), field("description", 5000)
            )
            return see_other(f"/console/incidents/{made.incident_id}")
        service = work(request, who)
        actions: dict[str, Callable[[], object]] = {
            "identity": lambda: service.verify_identity(
                request_id, field("evidence"), _date(field("received_on", 10), "received_on")
            ),
            "pause": lambda: service.pause(request_id, field("asked", 200)),
            "resume": lambda: service.resume(request_id),
            "extend": lambda: service.extend(request_id, field("reason")),
            "fee": lambda: service.charge_fee(
                request_id, _pence(field("pounds", 10)), _ground(field("ground")), field("reason")
            ),
            "fee-paid": lambda: service.fee_paid(request_id),
            "refuse": lambda: service.refuse(request_id, _ground(field("ground")), field("reason")),
            "complete": lambda: service.complete(request_id, field("outcome")),
            "withdraw": lambda: service.withdraw(request_id),
            "build": lambda: service.build(request_id),
            "withhold": lambda: service.withhold(
                request_id, field("ref", 120), field("kind", 16), field("reason")
            ),
            "check": lambda: service.check(request_id),
            "release": lambda: service.release(request_id),
            "transmit": lambda: Portability(store_of(request), who.actor).transmit(
                request_id, field("endpoint", 500)
            ),
            "objection": lambda: Objections(store_of(request), who.actor).object_to(
                request_id, field("purpose", 64), evidence=field("evidence")
            ),
            "balance": lambda: Objections(store_of(request), who.actor).balance(
                request_id, field("purpose", 64), field("upheld", 3) == "yes", field("reasoning")
            ),
            "correct": lambda: Rectification(store_of(request), who.actor).correct(
                request_id, field("field", 64), field("value")
            ),
            "statement": lambda: Rectification(store_of(request), who.actor).statement(
                request_id, field("entry_id", 36), field("statement")
            ),
            "review": lambda: HumanReview(store_of(request), who.actor).review(
                request_id, field("decision_id", 36), field("patient_view"), field("outcome")
            ),
            "competence": lambda: ChildAccess(store_of(request), who.actor).competence(
                request_id,
                competent=field("competent", 3) == "yes",
                child_agrees=field("child_agrees", 3) == "yes",
                reason=field("reason"),
            ),
            "restrict": lambda: Restrictions(store_of(request), who.actor).restrict(request_id),
            "erase": lambda: Erasure(store_of(request), who.actor).carry_out(
                request_id, restrict_instead=field("restrict_instead", 3) == "yes"
            ),
        }
        if action not in actions:
            raise InputError(f"no such step as {action!r}", field="action")
        actions[action]()
        return see_other(f"/console/rights/{request_id}")

    @router.get("/rights/{request_id}/package")
    def package(
        request: Request,
        who: Staff,
        request_id: RecordId,
        format: Annotated[PackageFormat, Query()] = PackageFormat.HTML,
    ) -> Response:
        rendered = work(request, who).download(request_id, format)
        disposition = "inline" if format is PackageFormat.HTML else "attachment"
        return Response(
            rendered.content,
            media_type=rendered.media_type,
            headers={"Content-Disposition": f'{disposition}; filename="{rendered.filename}"'},
        )

    @router.get("/rights/{request_id}/letters/{kind}")
    def letter(
        request: Request,
        who: Staff,
        request_id: RecordId,
        kind: LetterKind,
        pdf: Annotated[bool, Query()] = False,
    ) -> Response:
        rendered = RightsLetters(store_of(request), who.actor).letter(request_id, kind, as_pdf=pdf)
        return Response(rendered.content, media_type=rendered.media_type)

    return router


def _fault(value: str) -> ReleaseFault:
    try:
        return ReleaseFault(value)
    except ValueError:
        raise InputError("say what went wrong with the release", field="fault") from None


def _ground(value: str) -> RefusalGround:
    try:
        return RefusalGround(value)
    except ValueError:
        raise InputError("choose why: manifestly unfounded or excessive", field="ground") from None


def _pence(pounds: str) -> int:
    try:
        return round(float(pounds) * 100)
    except ValueError:
        raise InputError(f"{pounds!r} is not an amount in pounds", field="pounds") from None

"""The console's forms that move a patient's clinic records on: an appointment attended,
missed or cancelled; a payment taken (a card by its terminal token and last four digits only);
a referral accepted for a clinician or declined, or received for a new patient; an enquiry or
a complaint opened, acknowledged and closed, and the open ones listed oldest first. Each acts
through the same service as the API, with the page's CSRF token."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import HippocraticError, InputError, NotFound
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.console.patient_pages import asked, choice, part
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services import staff
from hippocratic.services.appointments import Appointments, AppointmentStatus
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.cases import CaseItem, CaseKind, Cases, NewCase
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.referrals import Intake, Referrals, ReferrerKind

Line = Annotated[str, Form(max_length=200)]
Note = Annotated[str, Form(max_length=5000)]
POUNDS = re.compile(r"^£?\s*(\d{1,6})(?:\.(\d{2}))?$")


def pence(amount: str) -> int:
    """``"99"``, ``"99.50"`` or ``"£99.50"`` in pence; anything else says how to write it."""
    match = POUNDS.match(amount.strip())
    if match is None:
        raise InputError(
            f"{amount.strip()!r} is not an amount in pounds",
            field="amount",
            hint="write it like 99.50",
        )
    return int(match.group(1)) * 100 + int(match.group(2) or 0)


def record_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/patients/{subject}/appointments/{appointment_id}/status")
    def appointment_status(
        request: Request,
        who: Staff,
        subject: RecordId,
        appointment_id: RecordId,
        status: Annotated[AppointmentStatus, Form()],
    ) -> Response:
        Appointments(store_of(request), who.actor).set_status(
            subject, appointment_id, status, who.request_id
        )
        return see_other(f"/console/patients/{subject}#appointments")

    @router.post("/patients/{subject}/payments")
    def payment(
        request: Request,
        who: Staff,
        subject: RecordId,
        method: Annotated[PaymentMethod, Form()],
        amount: Line,
        token: Annotated[str, Form(max_length=200)] = "",
        last_four: Annotated[str, Form(max_length=4)] = "",
        bank_details: Line = "",
    ) -> Response:
        card = None
        if method is PaymentMethod.CARD:
            card = CardPayment(token.strip(), last_four.strip())
        Payments(store_of(request), who.actor).record(
            subject,
            method,
            pence(amount),
            card=card,
            bank_details=bank_details.strip() or None,
            request_id=who.request_id,
        )
        return see_other(f"/console/patients/{subject}#payments")

    @router.post("/patients/{subject}/referrals/{referral_id}/decision")
    def referral_decision(
        request: Request,
        who: Staff,
        subject: RecordId,
        referral_id: RecordId,
        decision: Annotated[str, Form(pattern="^(accept|decline)$")],
        clinician: Line = "",
    ) -> Response:
        Referrals(store_of(request), who.actor).decide(
            subject, referral_id, accept=decision == "accept", clinician=clinician or None
        )
        return see_other(f"/console/patients/{subject}#referrals")

    @router.post("/patients/{subject}/cases")
    def open_case(
        request: Request,
        who: Staff,
        subject: RecordId,
        kind: Annotated[CaseKind, Form()],
        channel: Annotated[Channel, Form()],
        text: Note,
        notice_presented: Annotated[str, Form(max_length=3)] = "",
    ) -> Response:
        store = store_of(request)
        policy = store.policy_of(who.actor.organisation)
        binding = getattr(policy.records, kind.value)
        form = binding.form if binding is not None else None
        capture = None
        if form is not None and notice_presented == "yes":
            capture = Capture(form, policy.notice.version, channel)
        Cases(store, who.actor).open(
            NewCase(kind, text, channel, capture, subject=subject), who.request_id
        )
        return see_other(f"/console/patients/{subject}#cases")

    @router.post("/patients/{subject}/cases/{case_id}/acknowledge")
    def acknowledge(request: Request, who: Staff, subject: RecordId, case_id: RecordId) -> Response:
        Cases(store_of(request), who.actor).progress(subject, case_id)
        return see_other(f"/console/patients/{subject}#cases")

    @router.post("/patients/{subject}/cases/{case_id}/close")
    def close(
        request: Request, who: Staff, subject: RecordId, case_id: RecordId, outcome: Note
    ) -> Response:
        Cases(store_of(request), who.actor).progress(subject, case_id, close=True, outcome=outcome)
        return see_other(f"/console/patients/{subject}#cases")

    @router.get("/cases")
    @router.get("/cases.json")
    def cases(request: Request, who: Staff) -> Response:
        store = store_of(request)
        policy = store.policy_of(who.actor.organisation)
        service = Cases(store, who.actor)
        data = {
            kind.value: part(service, binding.purpose, partial(_open_items, service, kind))
            for kind in CaseKind
            if (binding := getattr(policy.records, kind.value)) is not None
        }
        return render(templates, request, "console/cases.html", data, who)

    @router.get("/referrals/new")
    def referral_page(request: Request, who: Staff) -> Response:
        return _referral_form(templates, request, who)

    @router.post("/referrals/new")
    async def referral(request: Request, who: Staff) -> Response:
        given = {k: str(v) for k, v in (await request.form()).items()}
        store = store_of(request)
        policy = store.policy_of(who.actor.organisation)
        binding = policy.records.referral
        try:
            if binding is None or binding.form is None:
                raise NotFound(f"{policy.organisation.display_name} takes no referrals")
            capture = None
            if given.get("notice_presented") == "yes":
                channel = choice(Channel, given.get("channel", "post"), "channel")
                capture = Capture(binding.form, policy.notice.version, channel)
            patient = {f: given[f] for f in _patient_fields(request, who) if given.get(f, "")}
            received = Referrals(store, who.actor).intake(
                Intake(
                    choice(ReferrerKind, given.get("referrer_kind", "gp"), "referrer_kind"),
                    given.get("referrer", ""),
                    given.get("letter", ""),
                    given.get("reason", ""),
                    capture,
                    patient=patient,
                ),
                who.request_id,
            )
        except (InputError, NotFound) as refused:
            return _referral_form(templates, request, who, refused, given)
        return see_other(f"/console/patients/{received.subject_id}#referrals")

    return router


def _open_items(service: Cases, kind: CaseKind) -> list[CaseItem]:
    return service.open_cases(kind).items


def _patient_fields(request: Request, who: Staff) -> list[str]:
    """The referral form's fields about the patient (the referrer and letter asked apart)."""
    policy = store_of(request).policy_of(who.actor.organisation)
    binding = policy.records.referral
    form = policy.form_by_key.get(binding.form) if binding and binding.form else None
    if binding is None or form is None:
        return []
    apart = {binding.referrer_field, binding.letter_field}
    return [f for f in form.fields if f not in apart]


def _referral_form(
    templates: Jinja2Templates,
    request: Request,
    who: Staff,
    error: HippocraticError | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    store = store_of(request)
    policy = store.policy_of(who.actor.organisation)
    binding = policy.records.referral
    fields = [policy.field_by_key[f] for f in _patient_fields(request, who)]
    data = {
        "takes_referrals": binding is not None and binding.form is not None,
        "form": binding.form if binding else None,
        "fields": asked(fields),
        "notice_version": policy.notice.version,
        "clinicians": [m.username for m in staff.clinicians(store, who.actor.organisation)],
    }
    return render(
        templates, request, "console/referral.html", data, who,
        status_code=error.http_status if error else 200, error=error, given=given or {},
        organisation=who.actor.organisation,
    )  # fmt: skip

"""The console's everyday pages: the day's worklist, finding a patient, the patient's record
with everything the role may see (and why anything is masked or withheld), and the forms that
book, open a call, note a conversation, write a clinical entry or break the glass. Each page
has a JSON twin; each form posts back here with the page's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.errors import AccessDenied, HippocraticError, InputError
from hippocratic.faces.web.console.consent_pages import STAFF_METHODS, asked_purposes
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.policy.category import Field
from hippocratic.services import staff
from hippocratic.services.appointments import Appointments, AppointmentStatus, Booking
from hippocratic.services.art14_tasks import Art14Tasks
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.cases import CaseKind, Cases
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.consents import Consents
from hippocratic.services.disclosure_gate import Channel as DisclosureChannel
from hippocratic.services.disclosure_gate import disclosable, sendable
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.fraud_markers import FraudMarkers
from hippocratic.services.patients import ContactChannel, InboundContact, Patients
from hippocratic.services.payments import PaymentMethod, Payments
from hippocratic.services.records import Records
from hippocratic.services.referrals import Referrals
from hippocratic.services.representatives import Representatives
from hippocratic.services.rights_requests import RightsRequests
from hippocratic.services.store import Store
from hippocratic.services.worklist import Worklist

LONDON = ZoneInfo("Europe/London")
Line = Annotated[str, Form(max_length=200)]
Note = Annotated[str, Form(max_length=5000)]
SEARCHABLE = ("full_name", "date_of_birth", "nhs_number", "email", "phone")


def section(load: Callable[[], Any]) -> dict[str, Any]:
    """One part of the record: what the guard lets this role see, or why not."""
    try:
        return {"shown": load(), "refused": None}
    except AccessDenied as denied:
        return {"shown": None, "refused": denied.message}


def part(service: ClinicService, purpose: str, load: Callable[[], Any]) -> dict[str, Any]:
    """A section whose purpose the role may never use is not asked for (nothing to refuse,
    so nothing refused on the ledger); any other is decided by the guard."""
    never = service.outside_role(purpose)
    return {"shown": None, "refused": never} if never else section(load)


def patient_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    @router.get("/worklist")
    @router.get("/worklist.json")
    def worklist(
        request: Request,
        who: Staff,
        day: date | None = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        store = store_of(request)
        shown = day or store.clock.now().astimezone(LONDON).date()
        page = section(
            lambda: Worklist(store, who.actor).day(shown, cursor=cursor, request_id=who.request_id)
        )
        return render(
            templates, request, "console/worklist.html", page, who, day=shown,
            previous=shown - timedelta(days=1), following=shown + timedelta(days=1), london=LONDON,
            names=staff_names(store, who.actor.organisation),
        )  # fmt: skip

    @router.get("/patients")
    @router.get("/patients.json")
    def search(request: Request, who: Staff) -> Response:
        criteria = {
            k: v.strip() for k, v in request.query_params.items() if k in SEARCHABLE and v.strip()
        }
        found = None
        if criteria:
            found = section(lambda: Patients(store_of(request), who.actor).search(criteria))
        return render(
            templates, request, "console/search.html", found, who, criteria=criteria,
            searchable=SEARCHABLE, titles=_titles(request, who),
        )  # fmt: skip

    def record_page(
        request: Request, who: Staff, subject: RecordId, inbound: InboundContact | None = None
    ) -> Response:
        store = store_of(request)
        actor = who.actor
        rid = who.request_id
        try:
            details = Patients(store, actor).view(subject, inbound=inbound, request_id=rid)
        except AccessDenied as denied:
            return render(
                templates, request, "console/patient.html", {"refused": denied.message}, who,
                status_code=denied.http_status, subject=subject,
            )  # fmt: skip
        policy = store.policy_of(actor.organisation)
        data: dict[str, Any] = {"patient": details}
        kept: list[tuple[str, str, Callable[[], Any]]] = [
            ("appointments", "appointment",
             lambda: Appointments(store, actor).for_patient(subject)),
            ("referrals", "referral", lambda: Referrals(store, actor).for_patient(subject)),
            ("clinical_entries", "clinical_entry",
             lambda: ClinicalEntries(store, actor).for_patient(subject, request_id=rid)),
            ("communications", "communication",
             lambda: Communications(store, actor).for_patient(subject, request_id=rid)),
            ("payments", "payment", lambda: Payments(store, actor).for_patient(subject)),
            ("fraud_markers", "fraud_marker",
             lambda: FraudMarkers(store, actor).for_patient(subject, request_id=rid)),
        ]  # fmt: skip
        cases = Cases(store, actor)
        kinds = [kind for kind in CaseKind if getattr(policy.records, kind.value) is not None]
        for name, kind, load in kept:
            binding = getattr(policy.records, kind)
            if binding is not None:  # a record the organisation does not keep has no section
                data[name] = part(cases, binding.purpose, load)
        data["art14_tasks"] = section(lambda: Art14Tasks(store, actor).for_patient(subject))
        data["consents"] = section(lambda: Consents(store, actor).history(subject, details.purpose))
        rights = RightsRequests(store, actor)
        purpose = policy.rights.purpose
        data["rights"] = (
            part(cases, purpose, lambda: rights.for_patient(subject))
            if purpose
            else {"shown": None, "refused": "this organisation takes no rights requests here"}
        )
        if purpose:
            acting = Representatives(store, actor)
            data["representatives"] = part(cases, purpose, lambda: acting.for_patient(subject))
        role_purposes = cases.compiled.roles[actor.role].purposes
        sent_for = [
            (p.key, p.title) for p in policy.purposes
            if p.key in role_purposes and any(p.key in r.purposes for r in disclosable(policy))
        ]  # fmt: skip
        # the log is read under the rights purpose, or else the purpose the role discloses for
        log_purpose = purpose if purpose in role_purposes else next(iter(sent_for), ("", ""))[0]
        if log_purpose:
            data["disclosures"] = part(
                cases,
                log_purpose,
                lambda: Disclosures(store, actor).for_patient(subject, log_purpose),
            )
        data["cases"] = {
            kind.value: part(
                cases,
                getattr(policy.records, kind.value).purpose,
                partial(cases.for_patient, subject, kind),
            )
            for kind in kinds
        }
        binding = policy.records.clinical_entry
        return render(
            templates, request, "console/patient.html", data, who, subject=subject,
            clinical_fields=binding.fields if binding else [],
            titles=_titles(request, who), channels=list(CommunicationChannel), london=LONDON,
            identifiers=[f for f in SEARCHABLE if f in details.fields],
            statuses=list(AppointmentStatus), methods=_payment_methods(request, who),
            clinicians=staff.clinicians(store, actor.organisation), case_kinds=kinds,
            names=staff_names(store, actor.organisation),
            purpose_title=policy.purpose_by_key[details.purpose].title,
            case_forms={k.value: getattr(policy.records, k.value).form for k in kinds},
            contact_channels=list(Channel),
            asked_purposes=asked_purposes(policy), consent_methods=STAFF_METHODS,
            grantable=cases.compiled.roles[actor.role].purposes,
            is_dpo=policy.role_by_key[actor.role].dpo,
            recipients=disclosable(policy), channels_out=list(DisclosureChannel),
            sendable=sendable(policy, actor.role),
            disclose_purposes=sent_for,
        )  # fmt: skip

    @router.get("/patients/{subject}")
    @router.get("/patients/{subject}.json")
    def patient(request: Request, who: Staff, subject: RecordId) -> Response:
        return record_page(request, who, subject.removesuffix(".json"))

    @router.post("/patients/{subject}/inbound")
    async def inbound(request: Request, who: Staff, subject: RecordId) -> Response:
        form = await request.form()
        checked = [str(v) for v in form.getlist("checked")][:10]
        channel = ContactChannel(str(form.get("channel", "phone")))
        return record_page(request, who, subject, InboundContact(channel, checked))

    @router.post("/patients/{subject}/break-glass")
    def break_glass(request: Request, who: Staff, subject: RecordId, reason: Note) -> Response:
        Records(store_of(request), who.actor).break_glass(subject, reason)
        return see_other(f"/console/patients/{subject}")

    @router.post("/patients/{subject}/communications")
    def note(
        request: Request,
        who: Staff,
        subject: RecordId,
        direction: Annotated[Direction, Form()],
        channel: Annotated[CommunicationChannel, Form()],
        summary: Note,
    ) -> Response:
        Communications(store_of(request), who.actor).log(
            subject, direction, channel, summary, request_id=who.request_id
        )
        return see_other(f"/console/patients/{subject}#communications")

    @router.post("/patients/{subject}/clinical-entries")
    def clinical_entry(
        request: Request, who: Staff, subject: RecordId, field: Line, content: Note
    ) -> Response:
        ClinicalEntries(store_of(request), who.actor).add(
            subject, field, content, request_id=who.request_id
        )
        return see_other(f"/console/patients/{subject}#clinical")

    @router.get("/book")
    def book_page(request: Request, who: Staff) -> Response:
        return _book_form(templates, request, who)

    @router.post("/book")
    async def book(request: Request, who: Staff) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        store = store_of(request)
        policy = store.policy_of(who.actor.organisation)
        try:
            if form.get("notice_presented") != "yes":
                capture = None
            else:
                channel = choice(Channel, form.get("channel", "phone"), "channel")
                capture = Capture("booking", policy.notice.version, channel)
            starts = _moment(form.get("day", ""), form.get("time", ""))
            patient = {f: form[f] for f in _booking_fields(request, who) if form.get(f, "").strip()}
            booked = Appointments(store, who.actor).book(
                Booking(
                    form.get("service", ""),
                    starts,
                    capture,
                    patient=patient,
                    clinician=form.get("clinician") or None,
                ),
                who.request_id,
            )
        except InputError as refused:
            return _book_form(templates, request, who, refused, form)
        return see_other(f"/console/patients/{booked.subject_id}")

    return router


def _titles(request: Request, who: Staff) -> dict[str, str]:
    policy = store_of(request).policy_of(who.actor.organisation)
    return {f.key: f.title for c in policy.categories for f in c.fields}


def staff_names(store: Store, organisation: str) -> dict[str, str]:
    """Each member of staff's username and the name colleagues know them by."""
    return {m.username: m.display_name for m in staff.list_staff(store, organisation)}


E = TypeVar("E", bound=StrEnum)


def choice(kind: type[E], value: str, field: str) -> E:
    """One of ``kind``'s values, or a refusal naming them (a form can be posted by hand)."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InputError(f"{value!r} is not one of: {allowed}", field=field) from None


def asked(fields: list[Field]) -> list[dict[str, Any]]:
    """A form's fields as its page shows them: name, whether optional, and why we ask."""
    return [{"key": f.key, "title": f.title, "required": f.required, "why": f.why} for f in fields]


def _payment_methods(request: Request, who: Staff) -> list[PaymentMethod]:
    """How this organisation takes payment: a card only where it keeps card tokens, a bank
    transfer only where it keeps bank details."""
    binding = store_of(request).policy_of(who.actor.organisation).records.payment
    if binding is None:
        return []
    methods = [PaymentMethod.CARD] if binding.card_field else []
    methods += [PaymentMethod.BANK_TRANSFER] if binding.bank_field else []
    return [*methods, PaymentMethod.INSURER, PaymentMethod.CASH]


def _booking_fields(request: Request, who: Staff) -> list[str]:
    policy = store_of(request).policy_of(who.actor.organisation)
    form = policy.form_by_key.get("booking")
    binding = policy.records.appointment
    service_field = binding.service_field if binding else None
    return [f for f in (form.fields if form else []) if f != service_field]


def _moment(day: str, at: str) -> datetime:
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(at), LONDON)
    except ValueError:
        raise InputError("give the appointment's day and time", field="day") from None
    return local.astimezone(UTC)


def _book_form(
    templates: Jinja2Templates,
    request: Request,
    who: Staff,
    error: HippocraticError | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    store = store_of(request)
    policy = store.policy_of(who.actor.organisation)
    fields = [policy.field_by_key[f] for f in _booking_fields(request, who)]
    data = {
        "services": [{"key": s.key, "title": s.title} for s in policy.services],
        "clinicians": [
            {"username": m.username, "name": m.display_name}
            for m in staff.clinicians(store, who.actor.organisation)
        ],
        "fields": asked(fields),
        "notice_version": policy.notice.version,
    }
    return render(
        templates, request, "console/book.html", data, who,
        status_code=error.http_status if error else 200, error=error, given=given or {},
        titles=_titles(request, who), organisation=who.actor.organisation,
    )  # fmt: skip

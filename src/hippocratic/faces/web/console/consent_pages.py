"""Consent in the console: staff record a patient's yes or no given in person, by phone or on
paper, in the policy's words read out or shown, with the evidence; and the list of patients
to ask again after a notice changed what a consent covers. The patient page shows each
consent as it stands and every event behind it (``patient_pages``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.templating import Jinja2Templates

from hippocratic.domain.consent import ConsentKind, ConsentMethod, Control, Presentation
from hippocratic.errors import InputError
from hippocratic.faces.web.console.page import Staff, render, see_other
from hippocratic.faces.web.identity import store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.policy.document import Policy
from hippocratic.services.consents import ConsentChoice, Consents

STAFF_METHODS = (
    ConsentMethod.IN_PERSON,
    ConsentMethod.PHONE,
    ConsentMethod.PAPER_FORM,
    ConsentMethod.LETTER,
    ConsentMethod.EMAIL,
)
"""How a patient tells staff: each needs its evidence."""
CONTROL = {
    ConsentMethod.IN_PERSON: Control.SPOKEN,
    ConsentMethod.PHONE: Control.SPOKEN,
    ConsentMethod.PAPER_FORM: Control.SIGNATURE,
    ConsentMethod.LETTER: Control.WRITTEN,
    ConsentMethod.EMAIL: Control.WRITTEN,
}
Text = Annotated[str, Form(max_length=1000)]
Words = Annotated[str, Form(max_length=20_000)]


@dataclass(frozen=True)
class AskedPurpose:
    """A purpose resting on consent, as the console asks it: its words and channels."""

    key: str
    title: str
    wording: str
    withdrawal: str
    channels: list[str]


def asked_purposes(policy: Policy) -> list[AskedPurpose]:
    return [
        AskedPurpose(p.key, p.title, p.consent.wording, p.consent.withdrawal, p.consent.channels)
        for p in policy.purposes
        if p.consent_required and p.consent is not None and "patients" in p.data_subjects
    ]


def consent_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/patients/{subject}/consents")
    async def record(
        request: Request,
        who: Staff,
        subject: RecordId,
        purpose: Annotated[str, Form(max_length=64)],
        decision: Annotated[str, Form(max_length=8)],
        method: Annotated[str, Form(max_length=32)],
        evidence: Text,
        wording: Words = "",
    ) -> Response:
        form = await request.form()
        channels = tuple(str(c) for c in form.getlist("channels"))[:8]
        if decision not in ("yes", "no"):
            raise InputError("say whether the patient said yes or no", field="decision")
        try:
            how = ConsentMethod(method)
        except ValueError:
            raise InputError(f"no way of telling us called {method!r}", field="method") from None
        if how not in CONTROL:
            raise InputError("choose how the patient told you", field="method")
        choice = ConsentChoice(
            purpose=purpose,
            kind=ConsentKind.GRANTED if decision == "yes" else ConsentKind.WITHDRAWN,
            method=how.value,
            presentation=Presentation(CONTROL[how]),
            wording=wording or None,
            channels=channels,
            evidence=evidence,
        )
        Consents(store_of(request), who.actor).record(subject, choice)
        return see_other(f"/console/patients/{subject}#consents")

    @router.get("/consents/reconfirm")
    @router.get("/consents/reconfirm.json")
    def reconfirm(
        request: Request,
        who: Staff,
        purpose: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Response:
        store = store_of(request)
        policy = store.policy_of(who.actor.organisation)
        asked = asked_purposes(policy)
        role = next(r for r in policy.roles if r.key == who.actor.role)
        mine = [a for a in asked if a.key in role.purposes or role.dpo]
        chosen = purpose or (mine[0].key if mine else "")
        due: Any = Consents(store, who.actor).reconfirmation_due(chosen) if chosen else []
        return render(
            templates, request, "console/reconfirm.html", due, who,
            purposes=mine, chosen=chosen,
        )  # fmt: skip

    return router

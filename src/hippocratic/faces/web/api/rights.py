"""Data-subject rights requests: intake, the DPO's queue, each step of a request, the access
package and its release, erasure, and the letters. Every route acts as the caller through the
rights services, so the guard decides and the ledger records each step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from hippocratic.faces.envelope import success
from hippocratic.faces.web.api.rights_models import (
    BalanceIn,
    CompetenceIn,
    CorrectionIn,
    ErasureIn,
    FeeIn,
    FeePaidIn,
    IdentityIn,
    ObjectionIn,
    OutcomeIn,
    PauseIn,
    ReasonIn,
    RefusalIn,
    ReviewIn,
    RightsRequestIn,
    StatementIn,
    TransmitIn,
    WithholdIn,
)
from hippocratic.faces.web.identity import Caller, caller, store_of
from hippocratic.faces.web.record_id import RecordId
from hippocratic.services.access_formats import PackageFormat, Rendered
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.automated_decisions import AutomatedDecisions, HumanReview
from hippocratic.services.child_access import ChildAccess
from hippocratic.services.erasure import Erasure
from hippocratic.services.objection import Objections, Restrictions
from hippocratic.services.portability import Portability
from hippocratic.services.rectification import Rectification
from hippocratic.services.rights_letters import LetterKind, RightsLetters
from hippocratic.services.rights_request import NewRightsRequest

router = APIRouter(tags=["rights"])
Who = Annotated[Caller, Depends(caller)]


def _work(request: Request, who: Who) -> AccessRelease:
    return AccessRelease(store_of(request), who.actor)


def _file(rendered: Rendered) -> Response:
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )


@router.post("/patients/{subject}/rights-requests", summary="Record a rights request")
def submit(request: Request, who: Who, subject: RecordId, given: RightsRequestIn) -> Any:
    """The clock runs from ``received_at`` (when the letter arrived, the call was taken), not
    from when it is typed in; a repeat of an open request for the same right is linked to it."""
    new = NewRightsRequest(
        subject=subject,
        right=given.right,
        channel=given.channel,
        detail=given.detail,
        requester=given.requester,
        requester_name=given.requester_name,
        authority=given.authority,
        received_at=given.received_at,
        scope_from=given.scope_from,
        scope_to=given.scope_to,
    )
    return success(_work(request, who).submit(new))


@router.get("/patients/{subject}/rights-requests", summary="A patient's rights requests")
def for_patient(request: Request, who: Who, subject: RecordId) -> Any:
    return success(_work(request, who).for_patient(subject))


@router.get("/rights-requests", summary="The DPO's queue: open requests, soonest due first")
def queue(request: Request, who: Who) -> Any:
    """Each with its due date, days left, a warning within seven days, and any failed step."""
    return success(_work(request, who).queue())


@router.get("/rights-requests/{request_id}", summary="One request, its clock and its log")
def one(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(_work(request, who).get(request_id))


@router.post("/rights-requests/{request_id}/identity", summary="Record the proof of identity")
def identity(request: Request, who: Who, request_id: RecordId, given: IdentityIn) -> Any:
    work = _work(request, who)
    return success(work.verify_identity(request_id, given.evidence, given.received_on))


@router.post("/rights-requests/{request_id}/pause", summary="Stop the clock to ask for information")
def pause(request: Request, who: Who, request_id: RecordId, given: PauseIn) -> Any:
    return success(_work(request, who).pause(request_id, given.asked))


@router.post("/rights-requests/{request_id}/resume", summary="The information arrived")
def resume(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(_work(request, who).resume(request_id))


@router.post("/rights-requests/{request_id}/extend", summary="Extend a complex request (DPO)")
def extend(request: Request, who: Who, request_id: RecordId, given: ReasonIn) -> Any:
    return success(_work(request, who).extend(request_id, given.reason))


@router.post("/rights-requests/{request_id}/fee", summary="Ask a reasonable fee (DPO)")
def fee(request: Request, who: Who, request_id: RecordId, given: FeeIn) -> Any:
    work = _work(request, who)
    return success(work.charge_fee(request_id, given.pence, given.ground, given.reason))


@router.post("/rights-requests/{request_id}/fee-paid", summary="The fee was paid")
def fee_paid(request: Request, who: Who, request_id: RecordId, given: FeePaidIn) -> Any:
    return success(_work(request, who).fee_paid(request_id, given.on))


@router.post("/rights-requests/{request_id}/refuse", summary="Refuse, with the reason (DPO)")
def refuse(request: Request, who: Who, request_id: RecordId, given: RefusalIn) -> Any:
    return success(_work(request, who).refuse(request_id, given.ground, given.reason))


@router.post("/rights-requests/{request_id}/complete", summary="Close as answered (DPO)")
def complete(request: Request, who: Who, request_id: RecordId, given: OutcomeIn) -> Any:
    return success(_work(request, who).complete(request_id, given.outcome))


@router.post("/rights-requests/{request_id}/withdraw", summary="The requester withdrew it")
def withdraw(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(_work(request, who).withdraw(request_id))


@router.post("/rights-requests/{request_id}/package", summary="Build the access package")
def build(request: Request, who: Who, request_id: RecordId) -> Any:
    """A failure is a failed step on the request, with its log; building again re-runs it."""
    return success(_work(request, who).build(request_id))


@router.get("/rights-requests/{request_id}/package", summary="The access package, in a format")
def package(
    request: Request,
    who: Who,
    request_id: RecordId,
    format: Annotated[PackageFormat, Query()] = PackageFormat.JSON,
) -> Response:
    return _file(_work(request, who).download(request_id, format))


@router.post("/rights-requests/{request_id}/withhold", summary="Redact, hold back, or keep in")
def withhold(request: Request, who: Who, request_id: RecordId, given: WithholdIn) -> Any:
    """``third_party``, ``serious_harm`` (a clinician), ``legal``, or ``kept`` for a flagged
    item reviewed and kept in; the reason is the redaction log."""
    work = _work(request, who)
    return success(work.withhold(request_id, given.ref, given.kind, given.reason))


@router.post("/rights-requests/{request_id}/check", summary="A second person checks the package")
def check(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(_work(request, who).check(request_id))


@router.post("/rights-requests/{request_id}/release", summary="Release the package (DPO)")
def release(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(_work(request, who).release(request_id))


@router.get("/rights-requests/{request_id}/erasure", summary="What erasure would erase and keep")
def erasure_plan(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(Erasure(store_of(request), who.actor).plan(request_id))


@router.post("/rights-requests/{request_id}/erasure", summary="Carry out the erasure (DPO)")
def erase(request: Request, who: Who, request_id: RecordId, given: ErasureIn) -> Any:
    erasure = Erasure(store_of(request), who.actor)
    return success(erasure.carry_out(request_id, restrict_instead=given.restrict_instead))


@router.get("/rights-requests/{request_id}/letters/{kind}", summary="A letter of the request")
def letter(
    request: Request,
    who: Who,
    request_id: RecordId,
    kind: LetterKind,
    pdf: Annotated[bool, Query()] = False,
) -> Response:
    letters = RightsLetters(store_of(request), who.actor)
    return _file(letters.letter(request_id, kind, as_pdf=pdf))


@router.post("/rights-requests/{request_id}/objection", summary="Act on an objection")
def objection(request: Request, who: Who, request_id: RecordId, given: ObjectionIn) -> Any:
    """To direct marketing: consent withdrawn on every channel at once, answered. To
    legitimate interests or a public task: 409 until the DPO records a balancing decision."""
    objections = Objections(store_of(request), who.actor)
    return success(objections.object_to(request_id, given.purpose, evidence=given.evidence))


@router.post("/rights-requests/{request_id}/balance", summary="Decide an objection (DPO)")
def balance(request: Request, who: Who, request_id: RecordId, given: BalanceIn) -> Any:
    objections = Objections(store_of(request), who.actor)
    return success(objections.balance(request_id, given.purpose, given.upheld, given.reasoning))


@router.post("/rights-requests/{request_id}/restrict", summary="Restrict the data (DPO)")
def restrict(request: Request, who: Who, request_id: RecordId) -> Any:
    return success(Restrictions(store_of(request), who.actor).restrict(request_id))


@router.post("/patients/{subject}/restriction/lift", summary="Tell the patient, then lift")
def lift(request: Request, who: Who, subject: RecordId, given: ReasonIn) -> Any:
    """Art. 18(3): the letter telling them is logged before the restriction ends."""
    Restrictions(store_of(request), who.actor).lift(subject, given.reason)
    return success({"subject": subject, "restricted": False})


@router.post("/rights-requests/{request_id}/correct", summary="Correct or complete a detail")
def correct(request: Request, who: Who, request_id: RecordId, given: CorrectionIn) -> Any:
    """The value it replaces is kept on the request; a clinical entry is never overwritten."""
    rectification = Rectification(store_of(request), who.actor)
    return success(rectification.correct(request_id, given.field, given.value))


@router.post("/rights-requests/{request_id}/statement", summary="Add a supplementary statement")
def statement(request: Request, who: Who, request_id: RecordId, given: StatementIn) -> Any:
    rectification = Rectification(store_of(request), who.actor)
    return success(rectification.statement(request_id, given.entry_id, given.statement))


@router.get("/patients/{subject}/corrections", summary="A patient's corrections and statements")
def corrections(request: Request, who: Who, subject: RecordId) -> Any:
    return success(Rectification(store_of(request), who.actor).corrections(subject))


@router.post("/rights-requests/{request_id}/transmit", summary="Send to another controller (DPO)")
def transmit(request: Request, who: Who, request_id: RecordId, given: TransmitIn) -> Any:
    """The checked portable package, as a FHIR R4 Bundle, to the endpoint the patient named
    (https only); a refusal or no answer is a failed step, and sending again re-runs it."""
    return success(Portability(store_of(request), who.actor).transmit(request_id, given.endpoint))


@router.get("/patients/{subject}/automated-decisions", summary="Decisions made automatically")
def automated(
    request: Request,
    who: Who,
    subject: RecordId,
    purpose: Annotated[str, Query(max_length=64)] = "rights_requests",
) -> Any:
    """Each with its inputs, logic version and outcome, and any human review."""
    return success(AutomatedDecisions(store_of(request), who.actor).for_patient(subject, purpose))


@router.post("/rights-requests/{request_id}/review", summary="A person reviews the decision")
def review(request: Request, who: Who, request_id: RecordId, given: ReviewIn) -> Any:
    """By a named member of staff who works under the decision's purpose, or the DPO."""
    reviewer = HumanReview(store_of(request), who.actor)
    return success(
        reviewer.review(request_id, given.decision_id, given.patient_view, given.outcome)
    )


@router.post("/rights-requests/{request_id}/competence", summary="A clinician on a child")
def competence(request: Request, who: Who, request_id: RecordId, given: CompetenceIn) -> Any:
    """A parent's request for a patient aged 12 to 17: whether the child is competent to
    decide and, if so, agrees; the package cannot be checked until a clinician says."""
    child = ChildAccess(store_of(request), who.actor)
    return success(
        child.competence(
            request_id,
            competent=given.competent,
            child_agrees=given.child_agrees,
            reason=given.reason,
        )
    )

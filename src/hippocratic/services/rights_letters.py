"""The letters of a rights request, generated from the policy: acknowledgement, extension,
completion and refusal, each with the organisation's details and the route to complain to the
ICO (UK GDPR Arts. 12(4), 77), as HTML and as PDF.

Which letters a request has depends on where it stands: every request is acknowledged; an
extended one has its extension letter; a closed one its completion or refusal letter. A letter
that does not apply yet is refused, so nothing false is ever sent.
"""

from __future__ import annotations

from enum import StrEnum

from hippocratic.domain.calendar import long_date
from hippocratic.errors import Conflict, InputError
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import build_notice
from hippocratic.services.access_formats import LETTERS, Rendered, pdf
from hippocratic.services.rights_clock import day_of
from hippocratic.services.rights_request import RequestStatus, RightsRequest
from hippocratic.services.rights_requests import RightsRequests

RIGHT_WORDS = {
    "access": "for a copy of your information",
    "rectification": "to correct your information",
    "erasure": "to erase your information",
    "restriction": "to restrict how we use your information",
    "portability": "to have your information sent in a form you can take elsewhere",
    "objection": "objecting to how we use your information",
    "automated_decision_review": "for a person to review an automated decision",
    "information": "for more information about how we use your information",
}


class LetterKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    EXTENSION = "extension"
    COMPLETION = "completion"
    REFUSAL = "refusal"


HEADINGS = {
    LetterKind.ACKNOWLEDGEMENT: "We have received your request",
    LetterKind.EXTENSION: "We need more time to answer your request",
    LetterKind.COMPLETION: "We have answered your request",
    LetterKind.REFUSAL: "We will not act on your request",
}


def letter_kind(value: str) -> LetterKind:
    try:
        return LetterKind(value)
    except ValueError:
        raise InputError(
            f"`{value}` is not a letter of a rights request",
            field="letter",
            hint="one of: " + ", ".join(k.value for k in LetterKind),
        ) from None


def letters_for(request: RightsRequest) -> list[LetterKind]:
    """The letters this request has, as it stands now."""
    kinds = [LetterKind.ACKNOWLEDGEMENT]
    if request.extended:
        kinds.append(LetterKind.EXTENSION)
    if request.status is RequestStatus.COMPLETED:
        kinds.append(LetterKind.COMPLETION)
    if request.status is RequestStatus.REFUSED:
        kinds.append(LetterKind.REFUSAL)
    return kinds


def letter_html(policy: Policy, request: RightsRequest, kind: LetterKind, today: str) -> str:
    if kind not in letters_for(request):
        raise Conflict(
            f"this request has no {kind.value} letter: it is {request.status.value}"
            + (" and not extended" if kind is LetterKind.EXTENSION else "")
        )
    notice = build_notice(policy)
    return LETTERS.get_template("rights/letter.html.j2").render(
        title=f"{HEADINGS[kind]} ({notice.name})",
        org=notice,
        complaint_url=str(policy.organisation.supervisory_authority.complaint_url),
        heading=HEADINGS[kind],
        kind=kind.value,
        request=request,
        right_words=RIGHT_WORDS.get(request.right.value, request.right.value),
        channel_words=request.channel.value.replace("_", " "),
        received=long_date(day_of(request.received_at)),
        starts=long_date(request.deadline.starts),
        due=long_date(request.due),
        today=today,
        fee_rule=policy.rights.fee.value,
        extension_reason=_said(request.extension_reason),
        outcome=_said(request.outcome),
    )


def _said(value: object) -> str:
    text = getattr(value, "value", None)
    return str(text) if text else ""


class RightsLetters(RightsRequests):
    def letter(self, request_id: str, kind: LetterKind, *, as_pdf: bool = False) -> Rendered:
        """One letter of the request, read (and audited) as the request is."""
        request = self.get(request_id)
        html = letter_html(self.policy, request, kind, long_date(self.today()))
        name = f"{self.organisation}-{kind.value}-{request_id[:8]}"
        if as_pdf:
            return Rendered(pdf(html), "application/pdf", f"{name}.pdf")
        return Rendered(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")

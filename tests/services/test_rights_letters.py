"""The letters of a rights request: each generated from the policy with the organisation's
details and the ICO complaint route, as HTML and PDF, and only when it applies."""

from __future__ import annotations

import pytest
from tests.services.clinic import actor, hire
from tests.services.test_appointments import book

from hippocratic.errors import Conflict
from hippocratic.policy.settings import RightName
from hippocratic.services.rights_decisions import RefusalGround, RightsDecisions
from hippocratic.services.rights_letters import LetterKind, RightsLetters, letters_for
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store

ICO = "https://ico.org.uk/make-a-complaint/"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def letter(clinic: Store, request_id: str, kind: LetterKind) -> str:
    rendered = RightsLetters(clinic, actor("harmonic", "dee")).letter(request_id, kind)
    return rendered.content.decode()


@pytest.mark.promise("S0-120", "L-01")
def test_every_letter_names_the_organisation_the_dates_and_the_ico(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    dpo = RightsDecisions(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ACCESS, RequestChannel.EMAIL))
    ack = letter(clinic, request.request_id, LetterKind.ACKNOWLEDGEMENT)
    assert "Harmonic Medical Sonography" in ack and ICO in ack
    assert "we need proof of identity" in ack  # emailed: the clock waits for it
    dpo.verify_identity(request.request_id, "passport copy by post")
    ack = letter(clinic, request.request_id, LetterKind.ACKNOWLEDGEMENT)
    assert "Thursday 24 December 2026" in ack
    with pytest.raises(Conflict, match="extension"):
        letter(clinic, request.request_id, LetterKind.EXTENSION)
    dpo.extend(request.request_id, "eleven years of scans across two systems")
    extension = letter(clinic, request.request_id, LetterKind.EXTENSION)
    assert "eleven years of scans across two systems" in extension
    assert "Wednesday 24 February 2027" in extension and ICO in extension
    done = dpo.complete(request.request_id, "Your information is in the portal.")
    assert letters_for(done) == [
        LetterKind.ACKNOWLEDGEMENT, LetterKind.EXTENSION, LetterKind.COMPLETION,
    ]  # fmt: skip
    assert "Your information is in the portal." in letter(
        clinic, request.request_id, LetterKind.COMPLETION
    )
    pdf = RightsLetters(clinic, actor("harmonic", "dee")).letter(
        request.request_id, LetterKind.COMPLETION, as_pdf=True
    )
    assert pdf.content.startswith(b"%PDF") and pdf.filename.endswith(".pdf")


@pytest.mark.promise("S0-116", "S0-120")
def test_a_refusal_letter_gives_the_reason_and_the_right_to_complain(clinic: Store) -> None:
    subject = book(clinic).subject_id  # type: ignore[attr-defined]
    dpo = RightsDecisions(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.ERASURE, RequestChannel.LETTER))
    dpo.refuse(
        request.request_id, RefusalGround.MANIFESTLY_UNFOUNDED,
        "the requester said in writing that the aim is to disrupt the clinic",
    )  # fmt: skip
    refusal = letter(clinic, request.request_id, LetterKind.REFUSAL)
    assert "the aim is to disrupt the clinic" in refusal
    assert "Art. 12(4)" in refusal and ICO in refusal and "0303 123 1113" in refusal

"""The guard on someone acting for a patient, pure: what the patient themselves could do, only
for the patient the authority names, only until its last day, never once revoked, and the
record's contents only if it covers ``record``; every rule names the authority."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from tests.guard.test_rules import HARMONIC

from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.representation import (
    REPRESENTATIVE_ROLE,
    AuthorityFacts,
    authority_id_of,
    representative_actor,
    represented,
)
from hippocratic.guard.rules import SubjectFacts

POLICY = compile_policy(HARMONIC)
RIGHTS = "rights_requests"
TODAY = date(2026, 11, 30)
AUTHORITY = AuthorityFacts("a1", "kit", frozenset({"access", "record"}), date(2026, 12, 31), False)
KNOWN = SubjectFacts(known=True)


def asked(fields: tuple[str, ...] = ("full_name",), action: Action = Action.READ) -> AccessRequest:
    actor = representative_actor("a1")
    return AccessRequest("harmonic", actor, REPRESENTATIVE_ROLE, RIGHTS, "kit", fields, action)


@pytest.mark.promise("L-07")
def test_a_live_authority_reads_what_the_patient_could_and_names_itself() -> None:
    decision = represented(POLICY, asked(), KNOWN, AUTHORITY, TODAY)
    assert decision.allowed and decision.rule_ids[0] == "representative:a1"
    assert "self:art15" in decision.rule_ids
    assert authority_id_of(representative_actor("a1")) == "a1"
    assert authority_id_of("patient:kit") is None


@pytest.mark.promise("L-07")
@pytest.mark.parametrize(
    ("authority", "request_", "rule"),
    [
        (None, asked(), "representative:other"),
        (replace(AUTHORITY, subject_id="someone-else"), asked(), "representative:other"),
        (replace(AUTHORITY, revoked=True), asked(), "representative:a1/revoked"),
        (replace(AUTHORITY, valid_until=date(2026, 11, 29)), asked(), "representative:a1/expired"),
        (replace(AUTHORITY, covers=frozenset({"access"})), asked(),
         "representative:a1/not_covered:record"),
    ],
)  # fmt: skip
def test_anything_beyond_the_authority_is_refused(
    authority: AuthorityFacts | None, request_: AccessRequest, rule: str
) -> None:
    decision = represented(POLICY, request_, KNOWN, authority, TODAY)
    assert not decision.allowed and decision.rule_ids == (rule,)


def test_making_a_request_needs_no_record_cover_and_writing_is_never_allowed() -> None:
    requests_only = replace(AUTHORITY, covers=frozenset({"access"}))
    assert represented(POLICY, asked((), Action.CREATE), KNOWN, requests_only, TODAY).allowed
    assert not represented(
        POLICY, asked(("full_name",), Action.WRITE), KNOWN, AUTHORITY, TODAY
    ).allowed

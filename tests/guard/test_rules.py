"""The decision rules, pure: deny by default, and nothing is allowed without a matching rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.decision import AccessRequest, Action, Mask
from hippocratic.guard.rules import SubjectFacts, decide
from hippocratic.policy.loader import load_policy, load_policy_text

POLICIES = Path(__file__).resolve().parents[2] / "policies"
HARMONIC = load_policy(POLICIES / "harmonic-medical-sonography.yaml")
HARMONY = load_policy(POLICIES / "harmony-healthcare.yaml")
TESTWELL_FILE = Path(__file__).resolve().parent / "fixtures" / "testwell.yaml"
TESTWELL = load_policy(TESTWELL_FILE)
SLIPPED = load_policy_text(
    TESTWELL_FILE.read_text(encoding="utf-8").replace(
        "categories: [identity, contact]\n  - key: legal_claims",
        "categories: [identity, contact, purchase]\n  - key: legal_claims",
    ),
    "testwell with marketing given health-revealing data",
)
"""Testwell as if a policy giving marketing the health-revealing ``purchase`` category had
slipped past ``policy check`` (which refuses it, as a store does): the guard still holds."""


def request(
    role: str, purpose: str, fields: tuple[str, ...], action: Action = Action.READ
) -> AccessRequest:
    return AccessRequest("harmonic", "actor", role, purpose, "subject", fields, action)


@pytest.mark.promise("S0-33", "S0-80", "S1-23", "S1-11")
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_no_decision_allows_without_a_matching_rule(data: st.DataObject) -> None:
    policy = data.draw(st.sampled_from([TESTWELL, HARMONIC, HARMONY]))
    compiled = compile_policy(policy)
    role = data.draw(st.sampled_from([*compiled.roles, "stranger"]))
    purpose = data.draw(st.sampled_from([*compiled.purposes, "anything"]))
    fields = tuple(
        data.draw(st.lists(st.sampled_from(sorted(policy.field_by_key)), max_size=4, unique=True))
    )
    action = data.draw(st.sampled_from(list(Action)))
    facts = SubjectFacts(
        consented_purposes=frozenset(
            data.draw(st.lists(st.sampled_from(sorted(compiled.purposes)), max_size=3))
        ),
        restricted=data.draw(st.booleans()),
        care_relationship=data.draw(st.booleans()),
        break_glass=data.draw(st.booleans()),
        objected=data.draw(st.booleans()),
    )
    decision = decide(
        compiled,
        AccessRequest(policy.organisation.key, "a", role, purpose, "s", fields, action),
        facts,
    )
    assert decision.rule_ids
    if not decision.allowed:
        assert decision.reason
        assert not decision.masked
        return
    assert not decision.denied_fields
    the_role, the_purpose = compiled.roles[role], compiled.purposes[purpose]
    assert purpose in the_role.purposes
    assert f"role:{role}/purpose:{purpose}" in decision.rule_ids
    for field in fields:
        category = compiled.field_category[field]
        assert category in the_purpose.categories
        assert f"purpose:{purpose}/category:{category}" in decision.rule_ids
        if category in compiled.special_categories:
            assert the_purpose.has_special_condition
        if category not in the_role.categories:
            assert field in decision.masked
    if the_purpose.consent_required:
        assert purpose in facts.consented_purposes
    if facts.restricted:  # kept, used for legal claims, or to answer the patient's requests
        assert (
            action is Action.STORE or the_purpose.legal_claims or purpose == compiled.rights_purpose
        )
    if the_role.care_relationship_required:
        assert facts.care_relationship or (facts.break_glass and the_role.break_glass)
    if facts.objected:  # an upheld objection (Art. 21(1)) ends the purpose but for legal claims
        assert action is Action.STORE or the_purpose.legal_claims


@pytest.mark.promise("S0-08", "S0-37")
def test_reception_sees_no_clinical_detail() -> None:
    decision = decide(
        compile_policy(HARMONIC),
        request("reception", "care", ("full_name", "medical_history")),
        SubjectFacts(),
    )
    assert decision.allowed
    assert decision.masked == {"medical_history": Mask()}
    assert Mask().apply("asthma") == "[redacted]"


@pytest.mark.promise("S0-85", "S0-15")
def test_cards_show_the_last_four_digits_only() -> None:
    decision = decide(
        compile_policy(HARMONIC), request("billing", "payment", ("card_number",)), SubjectFacts()
    )
    assert decision.allowed
    assert decision.masked["card_number"].apply("4111 1111 1111 1234") == "••••••••••••1234"


@pytest.mark.promise("S0-33", "S0-54")
def test_a_purpose_does_not_reach_data_outside_it() -> None:
    decision = decide(
        compile_policy(HARMONIC), request("reception", "care", ("card_number",)), SubjectFacts()
    )
    assert not decision.allowed
    assert "purpose:care/category:payment" in decision.rule_ids


@pytest.mark.promise("S0-45", "S0-67", "S0-71")
def test_marketing_never_reaches_health_data() -> None:
    compiled = compile_policy(HARMONIC)
    for purpose in compiled.roles["marketing"].purposes:
        decision = decide(
            compiled,
            request("marketing", purpose, ("medical_history",)),
            SubjectFacts(frozenset({purpose})),
        )
        assert not decision.allowed


@pytest.mark.promise("S0-07", "S0-25", "S0-43")
def test_consent_purposes_need_live_consent() -> None:
    compiled = compile_policy(HARMONIC)
    without = decide(compiled, request("marketing", "marketing", ("email",)), SubjectFacts())
    assert not without.allowed
    assert "consent:marketing" in without.rule_ids
    with_consent = decide(
        compiled,
        request("marketing", "marketing", ("email",)),
        SubjectFacts(frozenset({"marketing"})),
    )
    assert with_consent.allowed


@pytest.mark.promise("S0-121", "S1-35")
def test_a_restricted_subject_is_only_stored() -> None:
    compiled = compile_policy(HARMONIC)
    facts = SubjectFacts(restricted=True)
    assert not decide(compiled, request("reception", "care", ("full_name",)), facts).allowed
    assert decide(
        compiled, request("reception", "care", ("full_name",), Action.STORE), facts
    ).allowed
    assert decide(compiled, request("dpo", "legal_disclosure", ("full_name",)), facts).allowed


@pytest.mark.promise("S0-28", "S0-80")
def test_clinicians_need_a_care_relationship_or_break_glass() -> None:
    compiled = compile_policy(HARMONIC)
    read = request("sonographer", "care", ("medical_history",))
    assert not decide(compiled, read, SubjectFacts()).allowed
    assert decide(compiled, read, SubjectFacts(care_relationship=True)).allowed
    glass = decide(compiled, read, SubjectFacts(break_glass=True))
    assert glass.allowed
    assert "care:break_glass" in glass.rule_ids


def test_unknown_roles_and_fields_are_denied() -> None:
    compiled = compile_policy(HARMONIC)
    assert not decide(compiled, request("janitor", "care", ()), SubjectFacts()).allowed
    assert not decide(
        compiled, request("reception", "care", ("shoe_size",)), SubjectFacts()
    ).allowed


def test_the_compiled_policy_is_cached() -> None:
    assert compile_policy(HARMONIC) is compile_policy(HARMONIC)


def test_a_denial_names_every_field_it_refuses_and_why() -> None:
    assert "purchase" in SLIPPED.purpose_by_key["marketing"].categories
    decision = decide(
        compile_policy(SLIPPED),
        AccessRequest(
            "testwell",
            "mo",
            "marketing",
            "marketing",
            "s",
            ("email", "scan_purchased", "medical_history", "shoe_size"),
            Action.READ,
        ),
        SubjectFacts(frozenset({"marketing"})),
    )
    assert not decision.allowed
    assert decision.denied_fields == ("scan_purchased", "medical_history", "shoe_size")
    assert {
        "art9:marketing",
        "purpose:marketing/category:clinical",
        "field:unknown:shoe_size",
    } <= set(decision.rule_ids)
    assert len(decision.reasons) == 3


@pytest.mark.promise("S0-85")
def test_the_card_mask_of_the_fixture_policy_shows_four_digits() -> None:
    decision = decide(
        compile_policy(TESTWELL),
        AccessRequest("testwell", "r", "reception", "payment", "s", ("card_number",), Action.READ),
        SubjectFacts(),
    )
    assert decision.masked["card_number"].apply("4111-1111-1111-4242") == "••••••••••••4242"
    assert "display:card_number" in decision.rule_ids


@pytest.mark.promise("S0-110", "S1-32")
def test_a_patient_reads_their_own_record_even_when_restricted_and_nothing_else() -> None:
    fields = ("full_name", "medical_history", "card_number", "referral_letter")
    mine = decide(
        compile_policy(HARMONIC),
        AccessRequest(
            "harmonic", "patient:p1", "patient", "rights_requests", "p1", fields, Action.READ
        ),
        SubjectFacts(restricted=True),
    )
    assert mine.allowed and mine.rule_ids[0] == "self:art15"
    assert mine.masked["card_number"] == Mask(last_digits=4)
    assert "medical_history" not in mine.masked
    someone_else = decide(
        compile_policy(HARMONIC),
        AccessRequest(
            "harmonic", "patient:p1", "patient", "rights_requests", "p2", fields, Action.READ
        ),
        SubjectFacts(),
    )
    assert not someone_else.allowed and someone_else.rule_ids == ("self:other",)
    request = decide(
        compile_policy(HARMONIC),
        AccessRequest(
            "harmonic", "patient:p1", "patient", "rights_requests", "p1", (), Action.CREATE
        ),
        SubjectFacts(),
    )
    assert request.allowed and request.rule_ids == ("self:request",)
    for purpose, action in (("rights_requests", Action.WRITE), ("care", Action.READ)):
        other = decide(
            compile_policy(HARMONIC),
            AccessRequest("harmonic", "patient:p1", "patient", purpose, "p1", fields, action),
            SubjectFacts(),
        )
        assert not other.allowed
    for action in (Action.CREATE, Action.WRITE, Action.EXPORT):
        other = decide(
            compile_policy(HARMONIC),
            AccessRequest(
                "harmonic", "patient:p1", "patient", "rights_requests", "p1", fields, action
            ),
            SubjectFacts(),
        )
        assert not other.allowed
    unknown = decide(
        compile_policy(HARMONIC),
        AccessRequest(
            "harmonic",
            "patient:p1",
            "patient",
            "rights_requests",
            "p1",
            ("pages_visited",),
            Action.READ,
        ),
        SubjectFacts(),
    )
    assert not unknown.allowed and unknown.denied_fields == ("pages_visited",)


def test_without_a_rights_purpose_a_patient_reads_nothing() -> None:
    decision = decide(
        compile_policy(TESTWELL),
        AccessRequest("testwell", "patient:p1", "patient", "care", "p1", (), Action.READ),
        SubjectFacts(),
    )
    assert not decision.allowed


@pytest.mark.promise("S0-121", "S1-35")
def test_restriction_stops_use_but_not_the_patients_own_requests() -> None:
    compiled = compile_policy(HARMONIC)
    restricted = SubjectFacts(restricted=True, consented_purposes=frozenset({"marketing"}))
    for role, purpose in (("reception", "administration"), ("marketing", "marketing")):
        used = decide(compiled, request(role, purpose, ("email",)), restricted)
        assert not used.allowed and "restriction:art18" in used.rule_ids
    answered = decide(compiled, request("dpo", "rights_requests", ("email",)), restricted)
    assert answered.allowed

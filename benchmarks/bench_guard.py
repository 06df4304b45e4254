"""The guard: one decision (vs cedarpy and casbin on the same rules), and a guarded read of one
patient's record (decision + decrypt + audit append + commit) vs the raw SQLAlchemy read of the
same rows through the store's sessions (the issue's baseline: an ORM read in a write-ready
transaction), and vs the cheapest possible read (a Core SELECT with no write lock), the floor."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import casbin
import cedarpy
from sqlalchemy import select

from benchmarks.timing import measure, ratio
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.guard import Guard
from hippocratic.guard.rules import SubjectFacts, decide
from hippocratic.policy.loader import load_policy
from hippocratic.services.records import Actor, Records
from hippocratic.services.store import init_store
from hippocratic.storage.database import snapshot
from hippocratic.storage.record import SubjectFieldRow

POLICY = Path(__file__).resolve().parent.parent / "policies" / "harmonic-medical-sonography.yaml"
CASBIN_MODEL = """
[request_definition]
r = role, purpose, category
[policy_definition]
p = role, purpose, category
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.role == p.role && r.purpose == p.purpose && r.category == p.category
"""


def decisions() -> None:
    policy = load_policy(POLICY)
    compiled = compile_policy(policy)
    request = AccessRequest(
        "harmonic",
        "sam",
        "sonographer",
        "care",
        "s1",
        ("full_name", "medical_history"),
        Action.READ,
    )
    facts = SubjectFacts(care_relationship=True)
    assert decide(compiled, request, facts).allowed
    ours = measure(
        "hippocratic decide()", lambda: decide(compiled, request, facts), repeat=200, inner=500
    )

    rules = [
        (role.key, p, c)
        for role in policy.roles
        for p in role.purposes
        for c in policy.purpose_by_key[p].categories
    ]
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.conf"
        model.write_text(CASBIN_MODEL)
        csv = Path(tmp) / "policy.csv"
        csv.write_text("".join(f"p, {r}, {p}, {c}\n" for r, p, c in rules))
        enforcer = casbin.Enforcer(str(model), str(csv))
    assert enforcer.enforce("sonographer", "care", "medical_history")
    theirs_casbin = measure(
        "casbin enforce() x2 fields",
        lambda: (
            enforcer.enforce("sonographer", "care", "identity")
            and enforcer.enforce("sonographer", "care", "medical_history")
        ),
        repeat=200,
        inner=200,
    )

    cedar_text = "\n".join(
        f'permit(principal == Role::"{role.key}", action == Action::"{purpose}", resource) '
        f"when {{ {json.dumps(sorted(policy.purpose_by_key[purpose].categories))}"
        f".contains(resource.category) && {json.dumps(sorted(role.categories))}"
        ".contains(resource.category) };"
        for role in policy.roles
        for purpose in role.purposes
    )
    policy_set = cedarpy.PolicySet.from_str(cedar_text)
    entities = [
        {
            "uid": {"__entity": {"type": "Field", "id": "f"}},
            "attrs": {"category": "medical_history"},
            "parents": [],
        }
    ]
    cedar_request = {
        "principal": 'Role::"sonographer"',
        "action": 'Action::"care"',
        "resource": 'Field::"f"',
        "context": {},
    }
    assert cedarpy.is_authorized(cedar_request, policy_set, entities).allowed
    theirs_cedar = measure(
        "cedarpy is_authorized() (1 field)",
        lambda: cedarpy.is_authorized(cedar_request, policy_set, entities),
        repeat=100,
        inner=50,
    )
    for timing in (ours, theirs_casbin, theirs_cedar):
        print(timing.line("us"))
    print(ratio(theirs_casbin, ours))
    print(ratio(theirs_cedar, ours))


def guarded_read() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = init_store(POLICY, f"sqlite:///{tmp}/bench.db", Path(tmp) / "keys")
        reception = Records(store, Actor("harmonic", "alice", "reception"))
        fields = ["full_name", "date_of_birth", "nhs_number", "medical_history"]
        subject = reception.register(
            "care",
            {
                "full_name": "Ada Example",
                "date_of_birth": "1980-02-03",
                "nhs_number": "943 476 5919",
                "medical_history": "Asthma",
            },
        )
        reception.start_care(subject, "sam")
        clinician = Records(store, Actor("harmonic", "sam", "sonographer"))

        def raw() -> object:
            with store.sessions.begin() as session:
                return session.execute(
                    select(SubjectFieldRow).where(
                        SubjectFieldRow.organisation_id == "harmonic",
                        SubjectFieldRow.subject_id == subject,
                        SubjectFieldRow.field.in_(fields),
                    )
                ).all()

        values = select(
            SubjectFieldRow.field, SubjectFieldRow.ciphertext, SubjectFieldRow.value
        ).where(
            SubjectFieldRow.organisation_id == "harmonic",
            SubjectFieldRow.subject_id == subject,
            SubjectFieldRow.field.in_(fields),
        )

        def floor() -> object:
            with snapshot(store.engine) as session:
                return session.execute(values).all()

        request = AccessRequest(
            "harmonic", "sam", "sonographer", "care", subject, tuple(fields), Action.READ
        )

        def facts_and_decision() -> object:
            with store.sessions() as session:
                guard = Guard(session, store.policy(session, "harmonic"), store.clock.now)
                return decide(guard.compiled, request, guard.facts(request))

        baseline = measure("raw SQLAlchemy read (4 fields)", raw, repeat=300)
        cheapest = measure("Core read, no write lock (floor)", floor, repeat=300)
        in_store = measure("facts query + decide (no audit)", facts_and_decision, repeat=300)
        guarded = measure(
            "guarded read (decide+decrypt+audit)",
            lambda: clinician.read(subject, "care", fields),
            repeat=300,
        )
        for timing in (baseline, cheapest, in_store, guarded):
            print(timing.line("us"))
        print(ratio(guarded, baseline))
        print(ratio(guarded, cheapest))
        store.dispose()


def main() -> None:
    decisions()
    guarded_read()

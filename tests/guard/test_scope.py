"""``scope`` is the guard's decision as SQL: a worklist holds exactly the patients the actor
could open one by one, computed by one query inside the database (invariant 7)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.guard import Guard
from hippocratic.guard.rules import decide
from hippocratic.guard.scope import scope
from hippocratic.services.store import Store
from hippocratic.storage.care import BreakGlassRow, CareRelationshipRow
from hippocratic.storage.consent import ConsentStateRow
from hippocratic.storage.objection import ObjectionRow
from hippocratic.storage.subject import SubjectRow

WHEN = st.sampled_from(["none", "live", "past", "future"])
PATIENTS = st.lists(
    st.fixed_dictionaries(
        {
            "organisation": st.sampled_from(["testwell", "otherwell"]),
            "restricted": st.booleans(),
            "consent": st.sampled_from(["none", "given", "withdrawn", "expired", "stale"]),
            "care": WHEN,
            "glass": WHEN,
            "actor": st.sampled_from(["sam", "kim"]),
            "objected": st.sampled_from(["none", "care", "payment", "legal_claims"]),
        }
    ),
    min_size=1,
    max_size=6,
)
EDGE: dict[str, object] = {
    "organisation": "testwell",
    "restricted": False,
    "consent": "none",
    "care": "none",
    "glass": "none",
    "actor": "sam",
    "objected": "none",
}


def add_patient(store: Store, facts: dict[str, object]) -> str:
    now, hour = store.clock.now(), timedelta(hours=1)
    org, subject = str(facts["organisation"]), str(uuid.uuid4())
    spans = {
        "live": (now - hour, now + hour),
        "past": (now - 2 * hour, now - hour),
        "future": (now + hour, now + 2 * hour),
    }
    with store.sessions.begin() as session:
        session.add(
            SubjectRow(
                organisation_id=org,
                subject_id=subject,
                created_at=now,
                restricted=facts["restricted"],
            )
        )
        session.flush()
        if facts["consent"] != "none":
            marketing = next(p for p in store.policy_of(org).purposes if p.key == "marketing")
            session.add(
                ConsentStateRow(
                    organisation_id=org,
                    subject_id=subject,
                    purpose="marketing",
                    channel="",
                    kind="withdrawn" if facts["consent"] == "withdrawn" else "granted",
                    given=facts["consent"] != "withdrawn",
                    recorded_at=now,
                    expires_at=now - hour if facts["consent"] == "expired" else None,
                    # a stale consent was given under terms the policy has since changed
                    terms_sha256="0" * 64
                    if facts["consent"] == "stale"
                    else (marketing.consent_terms()),
                    event_id=None,
                )
            )
        if facts.get("objected", "none") != "none":
            session.add(
                ObjectionRow(
                    organisation_id=org,
                    subject_id=subject,
                    purpose=facts["objected"],
                    request_id=str(uuid.uuid4()),
                    upheld_at=now,
                    upheld_by="dpo",
                )
            )
        if facts["care"] in spans:
            start, end = spans[str(facts["care"])]
            session.add(
                CareRelationshipRow(
                    organisation_id=org,
                    subject_id=subject,
                    actor=facts["actor"],
                    started_at=start,
                    ended_at=end,
                )
            )
        if facts["glass"] in spans:
            start, end = spans[str(facts["glass"])]
            session.add(
                BreakGlassRow(
                    organisation_id=org,
                    grant_id=str(uuid.uuid4()),
                    actor=facts["actor"],
                    subject_id=subject,
                    reason="test",
                    granted_at=start,
                    expires_at=end,
                )
            )
    return subject


def opens(guard: Guard, role: str, purpose: str, subject: str) -> bool:
    request = AccessRequest("testwell", "sam", role, purpose, subject, (), Action.READ)
    facts = guard.facts(request)
    return facts.known and decide(guard.compiled, request, facts).allowed


@pytest.mark.promise("S1-23", "S0-80", "S0-07", "S1-37")
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(patients=PATIENTS)
@example(
    patients=[EDGE | {"glass": "live"}, EDGE | {"care": "future"}, EDGE | {"consent": "expired"}]
)
@example(patients=[EDGE | {"restricted": True, "care": "live"}, EDGE | {"consent": "given"}])
@example(patients=[EDGE | {"consent": "stale"}, EDGE | {"consent": "given"}])
@example(patients=[EDGE | {"objected": "care", "care": "live"}, EDGE | {"care": "live"}])
def test_a_worklist_holds_exactly_the_patients_the_guard_would_open(
    clinic: Store, patients: list[dict[str, object]]
) -> None:
    added = {add_patient(clinic, facts) for facts in patients}
    now = clinic.clock.now()
    with clinic.sessions() as session:
        policy = clinic.policy(session, "testwell")
        guard = Guard(session, policy, clinic.clock.now)
        for role in ["reception", "clinician", "locum", "marketing", "dpo", "nobody"]:
            for purpose in ["care", "payment", "marketing", "legal_claims", "nothing"]:
                listed = set(
                    session.scalars(
                        select(SubjectRow.subject_id).where(
                            scope(policy, "sam", role, purpose, now)
                        )
                    )
                )
                one_by_one = {s for s in added if opens(guard, role, purpose, s)}
                assert listed & added == one_by_one, (role, purpose)


def test_a_worklist_is_one_query_and_its_count_reveals_nothing_hidden(clinic: Store) -> None:
    for care in ("live", "none", "none"):
        add_patient(
            clinic,
            {
                "organisation": "testwell",
                "restricted": False,
                "consent": "none",
                "care": care,
                "glass": "none",
                "actor": "sam",
            },
        )
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    with clinic.sessions() as session:
        policy = clinic.policy(session, "testwell")
    event.listen(clinic.engine, "before_cursor_execute", listen)
    try:
        with clinic.sessions() as session:
            visible = scope(policy, "sam", "clinician", "care", clinic.clock.now())
            total = session.scalar(select(func.count()).select_from(SubjectRow).where(visible))
    finally:
        event.remove(clinic.engine, "before_cursor_execute", listen)
    assert total == 1
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1

"""Breach scoping against a brute-force scan: for a generated ledger and disclosure log, the
patients an incident's scope reaches are exactly those a plain Python scan of the same events
finds, never more, never fewer; with their categories and record counts (#16).

The generator aims at the edges: events at a window's bounds (the start counts, the end does
not), whole seconds beside fractions of a second, times given in other offsets than UTC, denied
accesses and oversight work (not accesses), erased patients (still reached), and another
organisation whose patients have the very same ids (never reached)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from tests.conftest import HARMONIC_POLICY

from hippocratic.services.affected_patients import NOT_ACCESSES, Scope, affected
from hippocratic.services.oversight import OVERSIGHT
from hippocratic.services.store import Store, init_store
from hippocratic.storage import ledger
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureRow
from hippocratic.storage.ledger import AuditEvent, AuditEventRow
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.subject import SubjectRow

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PATIENTS = 5
ACTORS = ("sam", "rita", "dee")
RECIPIENTS = ("referrers", "gp_practice", "uni-leeds")
PURPOSES = ("clinical_care", "administration", OVERSIGHT, "incident_response", "security")
CATEGORIES = ("identity", "contact", "scan_record")
OFFSETS = (UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30)))

# A moment: whole seconds from T0, and either a whole second or a fraction of one.
MOMENT = st.tuples(st.integers(0, 6), st.sampled_from([0, 1, 250_000, 999_999]))
EVENT = st.fixed_dictionaries(
    {
        "moment": MOMENT,
        "offset": st.sampled_from(OFFSETS),
        "actor": st.sampled_from(ACTORS),
        "purpose": st.sampled_from(PURPOSES),
        "patient": st.none() | st.integers(0, PATIENTS - 1),
        "outcome": st.sampled_from(["allowed", "allowed", "denied"]),
        "categories": st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True),
        "ours": st.booleans(),
    }
)
DISCLOSURE = st.fixed_dictionaries(
    {
        "moment": MOMENT,
        "actor": st.sampled_from(ACTORS),
        "recipient": st.sampled_from(RECIPIENTS),
        "patient": st.integers(0, PATIENTS - 1),
        "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
        "ours": st.booleans(),
    }
)
SCOPE = st.fixed_dictionaries(
    {
        "start": st.none() | MOMENT,
        "end": st.none() | MOMENT,
        "actor": st.none() | st.sampled_from(ACTORS),
        "recipient": st.none() | st.sampled_from(RECIPIENTS),
    }
)


def at(moment: tuple[int, int]) -> datetime:
    return T0 + timedelta(seconds=moment[0], microseconds=moment[1])


@dataclass(frozen=True)
class Found:
    categories: frozenset[str]
    records: int
    sources: frozenset[str]


def brute_force(
    events: list[dict[str, object]],
    disclosures: list[dict[str, object]],
    scope: Scope,
    subjects: list[str],
) -> dict[str, Found]:
    """The promise written as a scan: an allowed access of our patient by the actor in
    [start, end) that is not oversight work; a disclosure of ours in [start, end) to the
    recipient, made by the actor. Erased patients count like any other."""
    found: dict[str, tuple[set[str], int, set[str]]] = {}

    def inside(moment: datetime) -> bool:
        return (scope.window_start is None or moment >= scope.window_start) and (
            scope.window_end is None or moment < scope.window_end
        )

    def add(patient: int, kinds: object, source: str) -> None:
        kinds_, records, sources = found.setdefault(subjects[patient], (set(), 0, set()))
        kinds_.update(kinds)  # type: ignore[call-overload]
        sources.add(source)
        found[subjects[patient]] = (kinds_, records + 1, sources)

    ledger_answers = not (scope.recipient is not None and scope.actor is None)
    for e in events:
        if not (ledger_answers and e["ours"] and e["patient"] is not None):
            continue
        if e["outcome"] != "allowed" or e["purpose"] in NOT_ACCESSES:
            continue
        if scope.actor is not None and e["actor"] != scope.actor:
            continue
        if inside(at(e["moment"])):  # type: ignore[arg-type]
            add(e["patient"], e["categories"], "audit ledger")  # type: ignore[arg-type]
    for d in disclosures:
        if not d["ours"] or not inside(at(d["moment"])):  # type: ignore[arg-type]
            continue
        if scope.recipient is not None and d["recipient"] != scope.recipient:
            continue
        if scope.actor is not None and d["actor"] != scope.actor:
            continue
        add(d["patient"], d["categories"], "disclosure log")  # type: ignore[arg-type]
    return {s: Found(frozenset(k), r, frozenset(src)) for s, (k, r, src) in found.items()}


def write(
    store: Store,
    events: list[dict[str, object]],
    disclosures: list[dict[str, object]],
    erased: set[int],
) -> tuple[str, list[str]]:
    """A fresh organisation (and another one) holding the generated logs; ours and the
    subject ids, which the other organisation's patients share."""
    ours, theirs = f"p{uuid.uuid4().hex[:12]}", f"q{uuid.uuid4().hex[:12]}"
    subjects = [str(uuid.uuid4()) for _ in range(PATIENTS)]
    with store.sessions.begin() as session:
        for organisation in (ours, theirs):
            session.add(
                OrganisationRow(
                    organisation_id=organisation,
                    name=organisation,
                    policy_yaml="",
                    policy_sha256="0" * 64,
                    created_at=T0,
                )
            )
            session.flush()
            session.add_all(
                SubjectRow(organisation_id=organisation, subject_id=s, created_at=T0)
                for s in subjects
            )
        session.flush()
        for organisation, mine in ((ours, True), (theirs, False)):
            ledger.append(
                session,
                organisation,
                [
                    AuditEvent(
                        at=at(e["moment"]).astimezone(e["offset"]),  # type: ignore[arg-type]
                        actor=str(e["actor"]),
                        role="sonographer",
                        purpose=str(e["purpose"]),
                        subject=None if e["patient"] is None else subjects[e["patient"]],  # type: ignore[index]
                        action="read",
                        outcome=str(e["outcome"]),
                        categories=list(e["categories"]),  # type: ignore[call-overload]
                    )
                    for e in events
                    if e["ours"] is mine
                ],
            )
            for d in disclosures:
                if d["ours"] is not mine:
                    continue
                disclosure_id = str(uuid.uuid4())
                session.add(
                    DisclosureRow(
                        organisation_id=organisation,
                        disclosure_id=disclosure_id,
                        subject_id=subjects[d["patient"]],  # type: ignore[index]
                        recipient=d["recipient"],
                        purpose="clinical_care",
                        basis="contract",
                        channel="secure_email",
                        decided_by=d["actor"],
                        role="sonographer",
                        at=at(d["moment"]),  # type: ignore[arg-type]
                        audit_seq=0,
                    )
                )
                session.flush()
                session.add_all(
                    DisclosureItemRow(
                        organisation_id=organisation,
                        disclosure_id=disclosure_id,
                        field=f"{category}_field",
                        category=category,
                    )
                    for category in d["categories"]  # type: ignore[attr-defined]
                )
    for patient in erased:
        store.vault.shred(ours, subjects[patient])
    return ours, subjects


@pytest.mark.promise("S0-122")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(EVENT, max_size=25),
    disclosures=st.lists(DISCLOSURE, max_size=10),
    wanted=SCOPE,
    erased=st.sets(st.integers(0, PATIENTS - 1), max_size=2),
)
@example(  # an access at the window's start is in; one at its end is out
    events=[
        {
            "moment": (2, 0),
            "offset": UTC,
            "actor": "sam",
            "purpose": "clinical_care",
            "patient": 0,
            "outcome": "allowed",
            "categories": ["identity"],
            "ours": True,
        },
        {
            "moment": (4, 0),
            "offset": UTC,
            "actor": "sam",
            "purpose": "clinical_care",
            "patient": 1,
            "outcome": "allowed",
            "categories": ["identity"],
            "ours": True,
        },
    ],
    disclosures=[],
    wanted={"start": (2, 0), "end": (4, 0), "actor": None, "recipient": None},
    erased=set(),
)
@example(  # a whole second is earlier than a fraction of it; a later offset is still UTC
    events=[
        {
            "moment": (3, 0),
            "offset": timezone(timedelta(hours=1)),
            "actor": "rita",
            "purpose": "administration",
            "patient": 2,
            "outcome": "allowed",
            "categories": ["contact"],
            "ours": True,
        },
        {
            "moment": (3, 999_999),
            "offset": UTC,
            "actor": "rita",
            "purpose": "administration",
            "patient": 3,
            "outcome": "allowed",
            "categories": ["contact"],
            "ours": True,
        },
    ],
    disclosures=[],
    wanted={"start": (3, 250_000), "end": None, "actor": "rita", "recipient": None},
    erased={3},
)
@example(  # two disclosures of different categories are two records
    events=[],
    disclosures=[
        {
            "moment": (1, 0),
            "actor": "sam",
            "recipient": "referrers",
            "patient": 0,
            "categories": ["identity"],
            "ours": True,
        },
        {
            "moment": (1, 1),
            "actor": "sam",
            "recipient": "referrers",
            "patient": 0,
            "categories": ["scan_record"],
            "ours": True,
        },
    ],
    wanted={"start": None, "end": None, "actor": None, "recipient": "referrers"},
    erased=set(),
)
def test_the_scope_reaches_exactly_the_patients_a_scan_of_the_logs_finds(
    store: Store,
    events: list[dict[str, object]],
    disclosures: list[dict[str, object]],
    wanted: dict[str, object],
    erased: set[int],
) -> None:
    organisation, subjects = write(store, events, disclosures, erased)
    scope = Scope(
        None if wanted["start"] is None else at(wanted["start"]),  # type: ignore[arg-type]
        None if wanted["end"] is None else at(wanted["end"]),  # type: ignore[arg-type]
        wanted["actor"],  # type: ignore[arg-type]
        wanted["recipient"],  # type: ignore[arg-type]
    )
    with store.sessions() as session:
        found = affected(session, organisation, scope)
    expected = brute_force(events, disclosures, scope, subjects)  # erased or not
    assert {p.subject_id for p in found.patients} == set(expected)
    for patient in found.patients:
        want = expected[patient.subject_id]
        assert frozenset(patient.categories) == want.categories
        assert patient.records == want.records
        assert frozenset(patient.sources) == want.sources
    assert found.records == sum(f.records for f in expected.values())


def test_the_ledger_keeps_every_time_in_utc_whatever_offset_it_was_given(store: Store) -> None:
    """A time written at +01:00 is stored as the same instant in UTC, so that text windows on
    the ledger (breach scoping, the DPO's daily counts) put it where it happened."""
    summer = datetime(2026, 7, 1, 10, 30, 0, 500_000, tzinfo=timezone(timedelta(hours=1)))
    with store.sessions.begin() as session:
        seq = ledger.append(
            session,
            "harmonic",
            [AuditEvent(summer, "sam", "sonographer", "clinical_care", None, "read", "allowed")],
        )
    with store.sessions() as session:
        stored = session.scalar(
            select(AuditEventRow.at).where(
                AuditEventRow.organisation_id == "harmonic", AuditEventRow.seq == seq
            )
        )
    assert stored == "2026-07-01T09:30:00.500000+00:00"


@pytest.mark.postgres
@pytest.mark.promise("S0-122")
def test_windows_compare_by_time_on_a_postgresql_database_collated_en_gb(
    postgres_server: str, tmp_path: object, clock: object
) -> None:
    """Under an en-GB collation "+" sorts after ".", so "09:00:03+00:00" (a whole second) would
    compare as later than "09:00:03.250000+00:00": the ledger's time is collated "C"."""
    name = f"t_icu_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu "
            "ICU_LOCALE 'en-GB' LOCALE 'C.UTF-8'"
        )
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    try:
        with create_engine(url).connect() as connection:
            default_order = connection.exec_driver_sql(
                "SELECT '2026-11-01T09:00:03+00:00' < '2026-11-01T09:00:03.250000+00:00'"
            ).scalar()
        assert default_order is False  # the database's own collation gets it wrong
        store = init_store(HARMONIC_POLICY, url, Path(str(tmp_path)) / "keys", clock)  # type: ignore[arg-type]
        try:
            whole = {
                "moment": (3, 0),
                "offset": UTC,
                "actor": "sam",
                "purpose": "clinical_care",
                "patient": 0,
                "outcome": "allowed",
                "categories": ["identity"],
                "ours": True,
            }
            fraction = {**whole, "moment": (3, 250_000), "patient": 1}
            organisation, subjects = write(store, [whole, fraction], [], set())
            with store.sessions() as session:
                late = affected(session, organisation, Scope(window_start=at((3, 1))))
                early = affected(session, organisation, Scope(window_end=at((3, 1))))
            assert [p.subject_id for p in late.patients] == [subjects[1]]
            assert [p.subject_id for p in early.patients] == [subjects[0]]
        finally:
            store.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

"""The consent ledger at size: a guard decision on a consent-based purpose with 1,000,000
consent events in the ledger, side by side with one on a purpose that needs no consent (the
issue's aim: within 1.5x), and building a campaign audience over 100,000 patients.

The ledger is filled directly (synthetic patients, ten events each: opt-ins and opt-outs by
email and SMS, call-recording consents), then each measured call goes through the real code:
``Guard.facts`` + ``decide`` (no audit append, which both sides would pay alike), and
``members`` + ``count`` for the audience. SQLite always; PostgreSQL when a server answers
(``BENCH_PG``).
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.bench_api import _postgres_database
from benchmarks.timing import measure, ratio
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.guard.decision import AccessRequest, Action
from hippocratic.guard.guard import Guard
from hippocratic.guard.rules import decide
from hippocratic.services.audience import Audience, count, members
from hippocratic.services.store import Store, init_store
from hippocratic.storage.consent import ConsentEventRow, ConsentStateRow
from hippocratic.storage.subject import SubjectRow

POLICY = Path(__file__).resolve().parent.parent / "policies" / "harmonic-medical-sonography.yaml"
PATIENTS = 100_000
EVENTS_EACH = 10
BATCH = 20_000


def fill(store: Store) -> str:
    """100,000 patients and 1,000,000 consent events; returns a patient whose marketing
    consent by email is live."""
    policy = store.policy_of("harmonic")
    compiled = compile_policy(policy)
    marketing = policy.purpose_by_key["marketing"]
    recording = policy.purpose_by_key["call_recording"]
    terms = {"marketing": marketing.consent_terms(), "call_recording": recording.consent_terms()}
    start = datetime(2025, 1, 1, tzinfo=UTC)
    # (purpose, channel, kind) in order; the last word on each channel is the state
    pattern = [
        ("marketing", "email", "granted"), ("marketing", "sms", "granted"),
        ("call_recording", "", "granted"), ("marketing", "sms", "withdrawn"),
        ("marketing", "email", "withdrawn"), ("marketing", "email", "granted"),
        ("call_recording", "", "withdrawn"), ("call_recording", "", "granted"),
        ("marketing", "sms", "granted"), ("marketing", "sms", "withdrawn"),
    ]  # fmt: skip
    assert len(pattern) == EVENTS_EACH
    assert compiled.purposes["marketing"].consent_required
    seq = 0
    first = ""
    with store.engine.begin() as connection:
        for offset in range(0, PATIENTS, BATCH // EVENTS_EACH):
            subjects, events, states = [], [], {}
            for n in range(offset, min(PATIENTS, offset + BATCH // EVENTS_EACH)):
                subject = str(uuid.UUID(int=n + 1))
                first = first or subject
                created = start + timedelta(minutes=n)
                subjects.append({"organisation_id": "harmonic", "subject_id": subject,
                                 "created_at": created, "restricted": False})  # fmt: skip
                for k, (purpose, channel, kind) in enumerate(pattern):
                    seq += 1
                    at = created + timedelta(days=k)
                    event_id = str(uuid.uuid4())
                    events.append({
                        "organisation_id": "harmonic", "event_id": event_id,
                        "subject_id": subject, "purpose": purpose, "channel": channel,
                        "kind": kind, "at": at, "wording": "w", "wording_sha256": "0" * 64,
                        "terms_sha256": terms[purpose], "notice_version": "2024-11-18",
                        "method": "web_form", "presentation": "unticked checkbox, on its own",
                        "recorded_by": "bench", "recorded_role": "marketing", "evidence": None,
                        "service": None, "expires_at": None, "audit_seq": seq,
                    })  # fmt: skip
                    states[(subject, purpose, channel)] = {
                        "organisation_id": "harmonic", "subject_id": subject,
                        "purpose": purpose, "channel": channel, "kind": kind,
                        "given": kind != "withdrawn", "recorded_at": at, "expires_at": None,
                        "terms_sha256": terms[purpose], "event_id": event_id,
                    }  # fmt: skip
            connection.execute(SubjectRow.__table__.insert(), subjects)
            connection.execute(ConsentEventRow.__table__.insert(), events)
            connection.execute(ConsentStateRow.__table__.insert(), list(states.values()))
    with store.engine.begin() as connection:  # what autovacuum would have done by now
        connection.exec_driver_sql("ANALYZE")
    print(f"  filled: {PATIENTS:,} patients, {seq:,} consent events")
    return first


def run(label: str, url: str, tmp: Path) -> None:
    print(f"{label}:")
    store = init_store(POLICY, url, tmp / f"keys-{label}")
    subject = fill(store)
    with store.sessions() as session:
        policy = store.policy(session, "harmonic")
        guard = Guard(session, policy, store.clock.now)

        def decision(purpose: str, role: str, fields: tuple[str, ...]) -> object:
            request = AccessRequest("harmonic", "b", role, purpose, subject, fields, Action.READ)
            decided = decide(guard.compiled, request, guard.facts(request))
            assert decided.allowed, decided.reasons
            return decided

        plain = measure(
            "decision, care (no consent)",
            lambda: decision("care", "reception", ("full_name",)),
            repeat=300,
        )
        consented = measure(
            "decision, marketing (consent, 1M events)",
            lambda: decision("marketing", "marketing", ("full_name",)),
            repeat=300,
        )
        audience = Audience("marketing", "email")
        condition = members(
            policy, guard.compiled, "b", "marketing", audience, (), store.clock.now()
        )
        assert count(session, condition) == PATIENTS
        built = measure(
            f"audience count, {PATIENTS:,} patients", lambda: count(session, condition), repeat=7
        )
    for timing in (plain, consented):
        print("  " + timing.line("us"))
    print("  " + built.line("ms"))
    print("  " + ratio(consented, plain))
    store.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", Path(tmp))
        with _postgres_database() as url:
            if url is not None:
                run("postgresql", url, Path(tmp))

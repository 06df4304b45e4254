"""The NHS national data opt-out (L-14): recorded per patient through the guard and audited, and
applied to every release for a research or planning purpose, which leaves those patients out
(never read, never in the log) and says how many it left out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import HARMONIC_POLICY, HARMONY_POLICY
from tests.services.clinic import actor, events
from tests.services.test_store_release import PURPOSE, register_patients, spec

from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, InputError, NotFound
from hippocratic.services.data_opt_out import DataOptOuts
from hippocratic.services.store import Store, add_organisation, init_store
from hippocratic.services.store_release import StoreReleases
from hippocratic.storage.data_opt_out import DataOptOutRow
from hippocratic.storage.disclosure import DisclosureReleaseRow, DisclosureRow

PLANNING = "service_planning"
PLANNING_PURPOSE = f"""  - key: {PLANNING}
    title: Planning our services
    description: De-identified extracts for planning our services and for research.
    data_use: functional.service.improve
    lawful_basis: legitimate_interests
    legitimate_interests_assessment: LIA-HMS-99 Service planning from de-identified extracts
    special_condition: health_or_social_care
    dpa_schedule_1: Sch. 1 Pt 1 para 2 (health or social care purposes)
    categories: [identity, contact]
    national_data_opt_out: true
"""
"""A planning purpose for the DPO (no shipped policy has one), marked for the opt-out."""


@pytest.fixture
def planning_store(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    text = HARMONIC_POLICY.read_text(encoding="utf-8")
    text = text.replace(
        "  - key: legal_disclosure\n", PLANNING_PURPOSE + "  - key: legal_disclosure\n", 1
    )
    text = text.replace(
        "purposes: [rights_requests, legal_disclosure,",
        f"purposes: [rights_requests, legal_disclosure, {PLANNING},",
        1,
    )
    policy = tmp_path / "harmonic-planning.yaml"
    policy.write_text(text, encoding="utf-8")
    made = init_store(policy, database_url, tmp_path / "keys", clock)
    add_organisation(made, HARMONY_POLICY)
    yield made
    made.dispose()


def opt_outs(store: Store, who: str = "rita") -> DataOptOuts:
    return DataOptOuts(store, actor("harmonic", who))


@pytest.mark.promise("L-14")
def test_a_planning_release_leaves_out_patients_who_opted_out(planning_store: Store) -> None:
    store = planning_store
    patients = register_patients(store)
    opted = sorted(patients[:3])
    for subject in opted:
        opt_outs(store).record(subject, True, "told reception by phone")
    opt_outs(store).record(patients[3], False, "NHS spine check 2026-11-20")
    dpo = StoreReleases(store, actor("harmonic", "dee"))
    made = dpo.release("nhs-planning", PLANNING, spec())
    assert made.opted_out_left_out == 3
    assert made.patients_read == 5 and made.report.rows_in == 5
    reads = {e.subject_id for e in events(store) if e.action == "read" and e.actor == "dee"}
    assert reads == set(patients) - set(opted)  # never read, not merely dropped later
    (event,) = [e for e in events(store) if e.action == "release.made"]
    assert "3 opted out left out" in (event.reason or "")
    with store.sessions() as session:
        (entry,) = session.scalars(select(DisclosureReleaseRow))
        disclosed = set(session.scalars(select(DisclosureRow.subject_id)))
    assert (entry.subjects, entry.opted_out) == (5, 3)
    assert disclosed == set(patients) - set(opted)
    # A purpose that is not research or planning is not subject to the opt-out.
    legal = dpo.release("uni-leeds", PURPOSE, spec())
    assert legal.opted_out_left_out == 0 and legal.patients_read == 8
    # Withdrawn, the opt-out no longer keeps the patient out.
    opt_outs(store).record(opted[0], False, "patient withdrew the opt-out at the desk")
    again = dpo.release("nhs-planning", PLANNING, spec())
    assert again.opted_out_left_out == 2 and again.patients_read == 6


@pytest.mark.promise("L-14")
def test_recording_the_opt_out_is_audited_and_needs_the_guard(planning_store: Store) -> None:
    store = planning_store
    (subject, *_) = register_patients(store)
    recorded = opt_outs(store).record(subject, True, "NHS spine check 2026-11-20")
    assert recorded.opted_out and recorded.recorded_by == "rita"
    with store.sessions() as session:
        row = session.get(DataOptOutRow, ("harmonic", subject))
    assert row is not None and row.opted_out and row.source == "NHS spine check 2026-11-20"
    last = events(store)[-1]
    assert (last.subject_id, last.actor, last.action, last.outcome) == (
        subject,
        "rita",
        "write",
        "allowed",
    )
    assert last.reason == "national data opt-out: opted out (NHS spine check 2026-11-20)"
    with pytest.raises(AccessDenied):
        opt_outs(store, "sam").record(subject, False, "a sonographer may not record this")
    denied = events(store)[-1]
    assert (denied.actor, denied.outcome) == ("sam", "denied")
    with store.sessions() as session:
        kept = session.get(DataOptOutRow, ("harmonic", subject))
    assert kept is not None and kept.opted_out  # the refusal changed nothing
    with pytest.raises(InputError):
        opt_outs(store).record(subject, False, " ")
    with pytest.raises(NotFound):
        opt_outs(store).record("no-such-patient", True, "told reception")

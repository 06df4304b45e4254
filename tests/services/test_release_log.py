"""A release from the store is a disclosure: the log holds the release (recipient, purpose,
fields and categories, how many patients, its id) and one disclosure for each patient whose row
went out, so the patient's access package lists the recipient and breach scoping by recipient
or by the member of staff who released it reaches exactly those patients (#16)."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import select
from tests.services.clinic import actor, events
from tests.services.test_store_release import PURPOSE, register_patients, releases, spec

from hippocratic.domain import nhs_number
from hippocratic.errors import AccessDenied
from hippocratic.services.affected_patients import Scope, affected
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureReleaseRow, DisclosureRow


@pytest.fixture
def clinic(store: Store) -> list[str]:
    return register_patients(store)


def logged(store: Store) -> tuple[list[DisclosureReleaseRow], list[DisclosureRow]]:
    with store.sessions() as session:
        made = list(session.scalars(select(DisclosureReleaseRow)))
        each = list(session.scalars(select(DisclosureRow).order_by(DisclosureRow.subject_id)))
    return made, each


@pytest.mark.promise("S0-54")
def test_a_release_is_written_to_the_disclosure_log(store: Store, clinic: list[str]) -> None:
    made = releases(store).release("uni-leeds", PURPOSE, spec())
    (entry,), each = logged(store)
    assert entry.release_id == made.release_id
    assert (entry.recipient, entry.purpose, entry.project) == ("uni-leeds", PURPOSE, "audit-2026")
    assert json.loads(entry.fields) == ["date_of_birth", "gender"]  # never the removed ones
    assert json.loads(entry.categories) == ["identity"]
    assert (entry.subjects, entry.k, entry.decided_by) == (8, made.report.achieved_k, "dee")
    assert sorted(d.subject_id for d in each) == sorted(clinic)
    assert {(d.recipient, d.related, d.decided_by) for d in each} == {
        ("uni-leeds", f"release:{made.release_id}", "dee")
    }
    (event,) = [e for e in events(store) if e.action == "release.made"]
    assert {d.audit_seq for d in each} == {entry.audit_seq} == {event.seq}
    with store.sessions() as session:
        items = session.execute(
            select(DisclosureItemRow.field, DisclosureItemRow.category).where(
                DisclosureItemRow.disclosure_id == each[0].disclosure_id
            )
        ).all()
    assert sorted(items) == [("date_of_birth", "identity"), ("gender", "identity")]


def test_a_suppressed_patient_is_not_in_the_log(store: Store, clinic: list[str]) -> None:
    """Only the rows that went out are disclosures: a patient the release suppressed was not
    disclosed, and their access package does not say they were."""
    outlier = Records(store, actor("harmonic", "rita")).register(
        "administration",
        {
            "full_name": "Test Outlier",
            "date_of_birth": "1931-07-30",
            "gender": "female",
            "email": "outlier@example.org",
            "nhs_number": nhs_number.synthetic(random.Random(99)),
        },
    )
    made = releases(store).release(
        "uni-leeds", PURPOSE, spec(models={"k": 2, "max_suppression": 0.2})
    )
    assert made.report.rows_suppressed == 1 and made.report.rows_out == 8
    (entry,), each = logged(store)
    assert entry.subjects == 8
    assert outlier not in {d.subject_id for d in each}
    assert sorted(d.subject_id for d in each) == sorted(clinic)


@pytest.mark.promise("S0-122")
def test_breach_scoping_by_the_recipient_or_the_releaser_reaches_the_released_patients(
    store: Store, clinic: list[str]
) -> None:
    releases(store).release("uni-leeds", PURPOSE, spec())
    releases(store).release("uni-york", PURPOSE, spec(models={"k": 2}))
    with store.sessions() as session:
        leeds = affected(session, "harmonic", Scope(recipient="uni-leeds"))
        nowhere = affected(session, "harmonic", Scope(recipient="uni-bath"))
        by_dee = affected(session, "harmonic", Scope(actor="dee"))
    assert [p.subject_id for p in leeds.patients] == sorted(clinic)
    assert {tuple(p.sources) for p in leeds.patients} == {("disclosure log",)}
    assert {tuple(p.categories) for p in leeds.patients} == {("identity",)}
    assert {p.records for p in leeds.patients} == {1}
    assert nowhere.patients == []
    assert [p.subject_id for p in by_dee.patients] == sorted(clinic)
    assert {tuple(p.sources) for p in by_dee.patients} == {("audit ledger", "disclosure log")}


@pytest.mark.promise("S0-54")
def test_the_patients_access_package_lists_the_release_recipient(
    store: Store, clinic: list[str]
) -> None:
    """Art. 15(1)(c): the recipients the patient's data was actually disclosed to."""
    releases(store).release("uni-leeds", PURPOSE, spec())
    (recipient,) = Disclosures(store, actor("harmonic", "dee")).recipients_of(clinic[0])
    assert recipient["recipient"] == "uni-leeds"
    assert recipient["kind"] == "de-identified release"
    assert recipient["data"] == "Date of birth, Gender"
    assert recipient["purposes"] == "Legal and regulatory disclosures"


def test_a_refused_release_writes_nothing_to_the_log(store: Store, clinic: list[str]) -> None:
    with pytest.raises(AccessDenied):
        releases(store, "rita").release("uni-leeds", PURPOSE, spec())
    assert logged(store) == ([], [])

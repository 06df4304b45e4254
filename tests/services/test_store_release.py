"""Releases from the store: read through the guard's scope and audited patient by patient,
de-identified by the release engine, pseudonymised per recipient so that two recipients cannot
link their extracts; re-identification by the DPO only, with a reason, audited (#16)."""

from __future__ import annotations

import json
import random

import pytest
from tests.services.clinic import actor, events, hire

from hippocratic.domain import nhs_number
from hippocratic.domain.release.spec import ReleaseSpec
from hippocratic.errors import (
    AccessDenied,
    DirectIdentifierRefused,
    InputError,
    NotFound,
    UnparseableValue,
)
from hippocratic.services.actor import Actor
from hippocratic.services.records import Records
from hippocratic.services.store import Store
from hippocratic.services.store_release import StoreReleases

SPEC = {
    "project": "audit-2026",
    "direct_identifiers": {"subject_id": "pseudonymise", "full_name": "remove", "email": "remove"},
    "quasi_identifiers": {"date_of_birth": {"builtin": "dates"}},
    "keep": ["gender"],
    "models": {"k": 2},
}
PURPOSE = "legal_disclosure"
"""A purpose the shipped policy gives the DPO over identity fields (none is for research)."""


def spec(**changes: object) -> ReleaseSpec:
    return ReleaseSpec.model_validate({**SPEC, **changes})


@pytest.fixture
def clinic(store: Store) -> list[str]:
    return register_patients(store)


def register_patients(store: Store) -> list[str]:
    """Eight synthetic patients of Harmonic, registered by reception; their subject ids."""
    hire(store)
    rng = random.Random(16)
    reception = Records(store, actor("harmonic", "rita"))
    return [
        reception.register(
            "administration",
            {
                "full_name": f"Test Patient {n}",
                "date_of_birth": f"{1980 + n // 2}-0{1 + n % 2}-1{n}",
                "gender": "female" if n % 2 else "male",
                "email": f"patient{n}@example.org",
                "nhs_number": nhs_number.synthetic(rng),
            },
        )
        for n in range(8)
    ]


def releases(store: Store, who: str = "dee") -> StoreReleases:
    return StoreReleases(store, actor("harmonic", who))


def test_a_release_is_read_through_the_guard_and_de_identified(
    store: Store, clinic: list[str]
) -> None:
    made = releases(store).release("uni-leeds", PURPOSE, spec())
    table = made.table
    assert list(table.columns) == ["subject_id", "date_of_birth", "gender"]
    assert len(table) == 8 and made.patients_read == 8
    assert sorted(set(table["date_of_birth"])) == ["1980-Q1", "1981-Q1", "1982-Q1", "1983-Q1"]
    assert not set(table["subject_id"]) & set(clinic)
    assert made.report.achieved_k >= 2
    assert made.report.removed == ["full_name", "email"]
    released = json.dumps(table.to_dict()) + made.report.model_dump_json()
    assert "Test Patient" not in released and "example.org" not in released


@pytest.mark.promise("S0-82")
def test_two_recipients_cannot_link_and_one_recipient_gets_stable_pseudonyms(
    store: Store, clinic: list[str]
) -> None:
    leeds = releases(store).release("uni-leeds", PURPOSE, spec())
    again = releases(store).release("uni-leeds", PURPOSE, spec(project="another-project"))
    york = releases(store).release("uni-york", PURPOSE, spec())
    assert sorted(leeds.table["subject_id"]) == sorted(again.table["subject_id"])
    assert not set(leeds.table["subject_id"]) & set(york.table["subject_id"])
    assert len(set(leeds.table["subject_id"])) == 8


def test_every_patient_read_is_in_the_ledger_before_the_release(
    store: Store, clinic: list[str]
) -> None:
    releases(store).release("uni-leeds", PURPOSE, spec())
    reads = [e for e in events(store) if e.action == "read" and e.actor == "dee"]
    assert sorted(e.subject_id for e in reads if e.subject_id) == sorted(clinic)
    for event in reads:
        assert event.outcome == "allowed" and event.purpose == PURPOSE
        assert "scope:release" in json.loads(event.rule_ids)
        assert set(json.loads(event.fields)) == {
            "date_of_birth",
            "email",
            "full_name",
            "gender",
        }
        assert event.reason == "release to uni-leeds, project audit-2026"
    made = events(store)[-1]
    assert made.action == "release.made" and "8 of 8 rows" in (made.reason or "")


def test_a_role_without_the_purpose_is_refused_and_the_refusal_recorded(
    store: Store, clinic: list[str]
) -> None:
    with pytest.raises(AccessDenied):
        releases(store, "rita").release("uni-leeds", PURPOSE, spec())
    last = events(store)[-1]
    assert last.actor == "rita" and last.outcome == "denied" and last.subject_id is None
    assert not [
        e
        for e in events(store)
        if e.actor == "rita" and e.action == "read" and e.outcome == "allowed"
    ]


def test_an_erased_patient_is_left_out(store: Store, clinic: list[str]) -> None:
    store.vault.for_organisation("harmonic").shred_subject(clinic[0])
    made = releases(store).release("uni-leeds", PURPOSE, spec(models={"k": 1 + 1}))
    assert len(made.table) == 7 and made.erased_left_out == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "keep": ["gender", "subject_id"],
                "direct_identifiers": {"full_name": "remove", "email": "remove"},
            },
            "internal id",
        ),
        ({"keep": ["gender", "blood_group"]}, "fields the policy does not have"),
    ],
)
def test_a_spec_that_would_leak_or_names_unknown_fields_is_refused_before_reading(
    store: Store, clinic: list[str], changes: dict[str, object], message: str
) -> None:
    before = len(events(store))
    with pytest.raises(InputError, match=message):
        releases(store).release("uni-leeds", PURPOSE, spec(**changes))
    assert len(events(store)) == before


def test_a_policy_identifier_under_keep_is_refused_unless_the_dpo_overrides(
    store: Store, clinic: list[str]
) -> None:
    leaking = spec(keep=["gender", "nhs_number"])
    with pytest.raises(DirectIdentifierRefused, match="nhs_number"):
        releases(store).release("uni-leeds", PURPOSE, leaking)
    made = releases(store).release(
        "uni-leeds",
        PURPOSE,
        leaking,
        overrides={"nhs_number": "linkage approved by the recipient's ethics board (ref E-16)"},
    )
    (override,) = made.report.identifier_overrides
    assert override.by == "dee" and override.recognised_by == "policy"
    assert "nhs_number let through" in (events(store)[-1].reason or "")


@pytest.mark.promise("S0-82")
def test_reidentification_is_for_the_dpo_with_a_reason_and_audited(
    store: Store, clinic: list[str]
) -> None:
    made = releases(store).release("uni-leeds", PURPOSE, spec())
    alias = made.table["subject_id"].iloc[3]
    reason = "the recipient reported a safety concern about this patient"

    with pytest.raises(AccessDenied, match="only the"):
        releases(store, "rita").reidentify("uni-leeds", alias, reason)
    refused = events(store)[-1]
    assert refused.action == "release.reidentify" and refused.outcome == "denied"
    assert refused.actor == "rita" and refused.subject_id is None

    with pytest.raises(InputError, match="reason"):
        releases(store).reidentify("uni-leeds", alias, "because")

    subject = releases(store).reidentify("uni-leeds", alias, reason)
    assert subject in clinic
    found = events(store)[-1]
    assert found.action == "release.reidentify" and found.outcome == "allowed"
    assert found.subject_id == subject and found.actor == "dee"
    assert reason in (found.reason or "") and alias in (found.reason or "")

    with pytest.raises(NotFound):  # another recipient's key does not open this pseudonym
        releases(store).reidentify("uni-york", alias, reason)
    assert events(store)[-1].outcome == "denied"


def test_a_field_the_role_sees_only_masked_is_not_released_masked(
    store: Store, clinic: list[str]
) -> None:
    auditor = StoreReleases(store, Actor("harmonic", "audrey", "auditor"))
    masked = spec(direct_identifiers={"subject_id": "pseudonymise", "full_name": "remove"})
    with pytest.raises(AccessDenied, match="date_of_birth only masked"):
        auditor.release("uni-leeds", "access_audit", masked)
    last = events(store)[-1]
    assert last.actor == "audrey" and last.outcome == "denied"
    assert "release:masked" in json.loads(last.rule_ids)


def test_each_organisation_releases_only_its_own_patients_under_its_own_key(
    store: Store, clinic: list[str]
) -> None:
    reception = Records(store, actor("harmony", "rhea"))
    theirs = [
        reception.register(
            "service_delivery",
            {"full_name": f"Other Patient {n}", "date_of_birth": f"1990-05-0{n}", "gender": "x"},
        )
        for n in range(1, 5)
    ]
    harmony_spec = spec(direct_identifiers={"subject_id": "pseudonymise", "full_name": "remove"})
    harmony = StoreReleases(store, actor("harmony", "dora")).release(
        "uni-leeds", "legal_compliance", harmony_spec
    )
    harmonic = releases(store).release("uni-leeds", PURPOSE, spec())
    assert len(harmony.table) == 4 and len(harmonic.table) == 8
    assert not set(harmony.table["subject_id"]) & set(harmonic.table["subject_id"])
    alias = harmony.table["subject_id"].iloc[0]
    reason = "checking the organisations are kept apart"
    assert (
        StoreReleases(store, actor("harmony", "dora")).reidentify("uni-leeds", alias, reason)
        in theirs
    )
    with pytest.raises(NotFound):
        releases(store).reidentify("uni-leeds", alias, reason)


def test_a_value_the_hierarchy_cannot_read_names_the_patient_not_the_value(
    store: Store, clinic: list[str]
) -> None:
    genders_as_ages = spec(
        direct_identifiers={**SPEC["direct_identifiers"], "date_of_birth": "remove"},  # type: ignore[dict-item]
        quasi_identifiers={"gender": {"builtin": "age_bands"}},
        keep=[],
    )
    with pytest.raises(UnparseableValue) as refused:
        releases(store).release("uni-leeds", PURPOSE, genders_as_ages)
    error = refused.value
    assert error.details["subject"] in clinic
    assert f"patient {error.details['subject']}'s gender holds" in error.message
    assert "male" not in error.message

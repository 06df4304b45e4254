"""Direct identifiers under ``keep:`` (or anywhere released) are refused: by name, by the
policy's classification and by content, unless a DPO overrides with a reason (#16)."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from hippocratic.domain import nhs_number
from hippocratic.domain.release import direct_identifier as di
from hippocratic.domain.release.release import anonymise
from hippocratic.domain.release.spec import ModelSpec, QuasiIdentifier, ReleaseSpec
from hippocratic.errors import DirectIdentifierRefused, InputError
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.identifying_fields import classified_fields

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("patientSurname", "person's name"),
        ("first_name", "person's name"),
        ("Forenames", "person's name"),
        ("NHS_No", "NHS number"),
        ("nhsNumber", "NHS number"),
        ("ni_number", "National Insurance number"),
        ("NINO", "National Insurance number"),
        ("SSN", "social security number"),
        ("social_security", "social security number"),
        ("passport_no", "passport number"),
        ("drivingLicence", "driving licence number"),
        ("e-mail", "email address"),
        ("home-phone", "phone number"),
        ("mobile", "phone number"),
        ("IPAddress", "IP address"),
        ("street", "address"),
        ("latitude", "location (latitude/longitude)"),
        ("lng", "location (latitude/longitude)"),
        ("long", "location (latitude/longitude)"),
        ("postcode", "full postcode"),
        ("date_of_birth", "date of birth"),
        ("DOB", "date of birth"),
    ],
)
def test_recognised_by_name(column: str, kind: str) -> None:
    finding = di.by_name(column)
    assert finding is not None and finding.kind == kind
    assert finding.witness is di.Witness.NAME


@pytest.mark.parametrize(
    "column", ["clinic_name", "scan_name", "age", "diagnosis", "birth_weight", "length_of_stay"]
)
def test_ordinary_columns_are_not_recognised_by_name(column: str) -> None:
    assert di.by_name(column) is None


def nhs_numbers(count: int) -> list[str]:
    rng = random.Random(16)
    return [nhs_number.synthetic(rng) for _ in range(count)]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (nhs_numbers(10), "NHS number"),
        ([n.replace(" ", "") for n in nhs_numbers(10)], "NHS number"),
        ([f"patient{n}@example.org" for n in range(10)], "email address"),
        (["07700 900123", "+44 7700 900456", "020 7946 0018"], "phone number"),
        (["AB 12 34 56 C", "CE123456D"], "National Insurance number"),
        (["123-45-6789", "234-56-7890"], "social security number"),
        (["M14 7LU", "SW1A 1AA", "b1 1bb"], "full postcode"),
        (["51.50740, -0.12780", "(53.4808, -2.2426)"], "location (latitude/longitude)"),
        (["192.0.2.1", "2001:db8::1"], "IP address"),
    ],
)
def test_recognised_by_content(values: list[str], kind: str) -> None:
    finding = di.by_content("c", values)
    assert finding is not None and finding.kind == kind
    assert finding.witness is di.Witness.CONTENT


def test_ten_digits_with_a_wrong_check_digit_are_not_nhs_numbers() -> None:
    wrong = [n[:-1] + str((int(n[-1]) + 1) % 10) for n in nhs_numbers(10)]
    assert not any(nhs_number.is_valid(n) for n in wrong)
    assert di.by_content("c", wrong) is None


def test_a_few_matches_among_many_values_are_not_enough() -> None:
    values = ["routine"] * 9 + ["someone@example.org"]
    assert di.by_content("c", values) is None


def test_no_false_alarm_on_the_adult_data(shared_dir: Path) -> None:
    adult = pd.read_csv(shared_dir / "data/adult/adult.csv", sep=";", dtype=str)
    assert di.recognise({c: adult[c].tolist() for c in adult.columns}) == {}


def frame(**columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"age": ["30", "31", "40", "41"] * 5, **columns})


def spec(**changes: object) -> ReleaseSpec:
    base: dict[str, object] = {
        "project": "p",
        "quasi_identifiers": {"age": QuasiIdentifier(builtin="age_bands")},
        "models": ModelSpec(k=2),
    }
    return ReleaseSpec.model_validate({**base, **changes})


def test_an_nhs_number_under_keep_is_refused_by_its_content() -> None:
    data = frame(ref=nhs_numbers(20))
    with pytest.raises(DirectIdentifierRefused) as refused:
        anonymise(data, spec(keep=["ref"]))
    error = refused.value
    assert error.code == "release.direct_identifier"
    assert "direct identifiers would be released: ref: NHS number" in error.message
    assert "valid check digit" in error.message
    assert error.details == [
        {
            "column": "ref",
            "kind": "NHS number",
            "witness": "content",
            "detail": "20 of 20 sampled values: NHS number with a valid check digit",
        }
    ]
    assert "--override-identifier" in (error.hint or "")
    assert nhs_numbers(1)[0] not in error.message


def test_every_refused_column_is_named_with_why() -> None:
    data = frame(surname=["Test"] * 20, contact=[f"p{n}@example.org" for n in range(20)])
    with pytest.raises(DirectIdentifierRefused) as refused:
        anonymise(data, spec(keep=["surname"], sensitive=["contact"]))
    assert [d["column"] for d in refused.value.details] == ["contact", "surname"]
    assert [d["witness"] for d in refused.value.details] == ["content", "name"]


def test_a_policy_identity_field_is_refused_whatever_its_content() -> None:
    policy = load_sound_policy(ROOT / "policies/harmonic-medical-sonography.yaml")
    data = frame(submitter_name=["x"] * 20)
    with pytest.raises(DirectIdentifierRefused) as refused:
        anonymise(data, spec(keep=["submitter_name"]), classified=classified_fields(policy))
    assert refused.value.details[0]["witness"] == "policy"
    assert "submitter_name in proxy" in refused.value.message


def test_postcode_and_date_of_birth_may_be_generalised_but_not_kept() -> None:
    data = frame(
        postcode=["M14 7LU", "M14 7LX", "M15 6AA", "M15 6AB"] * 5,
        dob=["1990-01-02", "1990-02-03", "1985-03-04", "1985-04-05"] * 5,
    )
    qis = {
        "age": QuasiIdentifier(builtin="age_bands"),
        "postcode": QuasiIdentifier(builtin="uk_postcode"),
        "dob": QuasiIdentifier(builtin="dates"),
    }
    released = anonymise(data, spec(quasi_identifiers=qis))
    assert released.report.rows_out == 20
    with pytest.raises(DirectIdentifierRefused, match="postcode: full postcode"):
        anonymise(data, spec(keep=["postcode", "dob"]))


def test_a_dpo_override_with_a_reason_lets_it_through_and_is_reported() -> None:
    data = frame(site_location=["51.50740, -0.12780"] * 20)
    released = anonymise(
        data,
        spec(keep=["site_location"]),
        overrides={"site_location": "the clinic's own premises, not a patient's location"},
        overridden_by="dpo@example.org",
    )
    assert released.table["site_location"].iloc[0] == "51.50740, -0.12780"
    (override,) = released.report.identifier_overrides
    assert override.column == "site_location"
    assert override.kind == "location (latitude/longitude)"
    assert override.recognised_by == "content"
    assert override.reason == "the clinic's own premises, not a patient's location"
    assert override.by == "dpo@example.org"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"age": "because"}, "not recognised as a direct identifier"),
        ({"ward": "because"}, "does not release"),
        ({"email": "   "}, "needs a reason"),
    ],
)
def test_a_bad_override_is_refused(overrides: dict[str, str], message: str) -> None:
    data = frame(email=[f"p{n}@example.org" for n in range(20)])
    with pytest.raises(InputError, match=message):
        anonymise(data, spec(keep=["email"]), overrides=overrides)

"""Built-in hierarchies, and bad input that is refused before anything is released."""

from __future__ import annotations

import secrets
from pathlib import Path

import pandas as pd
import pytest

from hippocratic.domain.release import hierarchy
from hippocratic.domain.release.release import anonymise
from hippocratic.domain.release.spec import ModelSpec, QuasiIdentifier, ReleaseSpec, load_spec
from hippocratic.errors import InputError, UnparseableValue


def test_postcodes_generalise_to_sector_district_area() -> None:
    h = hierarchy.uk_postcodes("postcode", ["M14 7LU"])
    assert [h.generalise("M14 7LU", level) for level in range(5)] == [
        "M14 7LU",
        "M14 7",
        "M14",
        "M",
        "*",
    ]


def test_dates_and_ages() -> None:
    d = hierarchy.dates("admitted", ["2026-05-17"])
    assert [d.generalise("2026-05-17", n) for n in range(5)] == [
        "2026-05-17",
        "2026-05",
        "2026-Q2",
        "2026",
        "*",
    ]
    a = hierarchy.age_bands("age", ["37"])
    assert [a.generalise("37", n) for n in range(5)] == ["37", "35-39", "30-39", "20-39", "*"]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"age": ["30", "31", "40", "41"] * 5, "full_name": [f"P{n}" for n in range(20)]}
    )


def spec(**changes: object) -> ReleaseSpec:
    base: dict[str, object] = {
        "project": "p",
        "direct_identifiers": {"full_name": "remove"},
        "quasi_identifiers": {"age": QuasiIdentifier(builtin="age_bands")},
        "models": ModelSpec(k=2),
    }
    return ReleaseSpec.model_validate({**base, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"keep": ["ward"]}, "does not have"),
        ({"direct_identifiers": {}}, "does not say what these columns are"),
        ({"direct_identifiers": {}, "keep": ["full_name"]}, "direct identifiers would be released"),
        ({"models": ModelSpec(k=50)}, "larger than the table"),
        ({"direct_identifiers": {"full_name": "pseudonymise"}}, "needs a release key"),
    ],
)
def test_bad_specs_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        anonymise(frame(), spec(**changes))


def test_a_hierarchy_that_does_not_cover_a_value_is_refused(tmp_path: Path) -> None:
    (tmp_path / "age.csv").write_text("30;30-39;*\n31;30-39;*\n")
    with pytest.raises(InputError, match="does not cover"):
        anonymise(
            frame(),
            spec(quasi_identifiers={"age": QuasiIdentifier(hierarchy=str(tmp_path / "age.csv"))}),
        )


def test_spec_files_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("project: p\nquasi_identifiers: {}\nmodels: {k: 1}\n")
    with pytest.raises(InputError, match=r"models\.k"):
        load_spec(path)


def test_a_pseudonymised_release(tmp_path: Path) -> None:
    release = anonymise(
        frame(), spec(direct_identifiers={"full_name": "pseudonymise"}), secrets.token_bytes(32)
    )
    assert release.report.pseudonymised == ["full_name"]
    assert not set(release.table["full_name"]) & {f"P{n}" for n in range(20)}


# Blank and unreadable values under the built-in hierarchies (#16).


def dated(
    values: list[str], builtin: str = "dates", **how: object
) -> tuple[pd.DataFrame, ReleaseSpec]:
    data = pd.DataFrame({"when": values, "full_name": [f"P{n}" for n in range(len(values))]})
    return data, spec(quasi_identifiers={"when": QuasiIdentifier(builtin=builtin, **how)})


def test_blank_values_are_released_as_suppressed() -> None:
    data, the_spec = dated(["2026-01-05", "2026-01-20", "", "  "] * 3)
    release = anonymise(data, the_spec)
    assert set(release.table["when"]) == {"2026-01-05", "2026-01-20", "*"}
    assert (release.table["when"] == "*").sum() == 6


@pytest.mark.parametrize(
    ("values", "builtin", "how", "expected"),
    [
        (["2026-01-05", "17/05/2026", "2026-02-01"], "dates", {}, "a date (YYYY-MM-DD)"),
        (["30", "unknown", "41"], "age_bands", {}, "an age in years"),
        (["30", "-4", "41"], "age_bands", {}, "an age in years"),
        (["30", "nan", "41"], "age_bands", {}, "an age in years"),
        (["1.5", "2.5", "lots"], "numeric", {"widths": [5]}, "a number"),
        (["1.5", "inf", "2"], "numeric", {"widths": [5]}, "a number"),
        (["M14 7LU", "SW1A 1AA", "Flat 3 Hill St"], "uk_postcode", {}, "a full UK postcode"),
    ],
)
def test_an_unreadable_value_is_refused_by_row_never_shown(
    values: list[str], builtin: str, how: dict[str, object], expected: str
) -> None:
    data, the_spec = dated(values * 2, builtin, **how)
    bad = next(
        v
        for v in values
        if v
        not in {"2026-01-05", "2026-02-01", "30", "41", "1.5", "2.5", "2", "M14 7LU", "SW1A 1AA"}
    )
    row = values.index(bad) + 1
    with pytest.raises(UnparseableValue) as refused:
        anonymise(data, the_spec)
    error = refused.value
    assert error.code == "input.unparseable"
    assert error.field == "when"
    assert f"row {row} of when" in error.message
    assert expected in error.message
    assert bad not in error.message and bad not in (error.hint or "")
    assert error.details["row"] == row
    assert error.details["column"] == "when"
    assert error.details["kind"] == hierarchy.value_kind(bad)
    assert "blank it" in (error.hint or "")


def test_a_value_kind_describes_without_revealing() -> None:
    assert hierarchy.value_kind("17/05/2026") == "10 characters: digits, punctuation"
    assert hierarchy.value_kind("Flat 3") == "6 characters: letters, digits, spaces"


def test_an_uncovered_value_in_a_hierarchy_file_is_named_by_row(tmp_path: Path) -> None:
    (tmp_path / "age.csv").write_text("30;30-39;*\n31;30-39;*\n40;40-49;*\n")
    with pytest.raises(InputError) as refused:
        anonymise(
            frame(),
            spec(quasi_identifiers={"age": QuasiIdentifier(hierarchy=str(tmp_path / "age.csv"))}),
        )
    assert "row 4" in refused.value.message
    assert "'41'" not in refused.value.message

"""Promise tags are read from the test files without running them, with the code each test
exercises; a run's JUnit report gives each tagged test its outcomes on every parameter."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.services.promise_checkout import make_checkout

from hippocratic.errors import InputError
from hippocratic.services.promise_tests import Outcome, read_run, tagged_tests


def test_tags_on_functions_classes_and_pytestmark_are_found_with_the_code_they_exercise(
    tmp_path: Path,
) -> None:
    make_checkout(tmp_path)
    found = {t.node: t for t in tagged_tests(tmp_path / "tests", tmp_path)}
    assert sorted(found) == [
        "tests/faces/web/test_pages.py::TestReport::test_controls_listed",
        "tests/faces/web/test_pages.py::test_break_glass_asks_why",
        "tests/services/test_erasure.py::test_keys_are_shredded",
        "tests/services/test_erasure.py::test_labels_drive_encryption",
    ]
    shredded = found["tests/services/test_erasure.py::test_keys_are_shredded"]
    assert shredded.promises == ("S1-24", "L-13") and shredded.line == 7  # its def
    assert shredded.code == ("src/hippocratic/services/erasure.py",)  # the mirrored module
    listed = found["tests/faces/web/test_pages.py::TestReport::test_controls_listed"]
    assert listed.promises == ("S1-23", "S1-03")  # the module's mark, then its own
    assert listed.code == (  # no mirror: the package's modules it imports
        "src/hippocratic/faces/web/site.py",
        "src/hippocratic/services/erasure.py",
    )


def test_a_run_counts_each_parameter_and_ignores_tests_no_longer_there(tmp_path: Path) -> None:
    make_checkout(tmp_path)
    tagged = tagged_tests(tmp_path / "tests", tmp_path)
    run = read_run(tmp_path / "build" / "test-results.xml", tagged)
    assert run.total == 7 and run.when == "2026-12-07T10:00:00+00:00"
    shredded = run.of("tests/services/test_erasure.py::test_keys_are_shredded")
    assert shredded == {Outcome.PASSED: 1, Outcome.FAILED: 1}
    assert run.of("tests/services/test_erasure.py::test_labels_drive_encryption") == {
        Outcome.SKIPPED: 1
    }
    assert run.of("tests/faces/web/test_pages.py::TestReport::test_controls_listed") == {
        Outcome.PASSED: 1
    }


def test_a_missing_report_or_test_folder_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no test directory"):
        tagged_tests(tmp_path / "nowhere", tmp_path)
    (tmp_path / "broken.xml").write_text("<testsuites>")
    with pytest.raises(InputError, match="cannot read the test report"):
        read_run(tmp_path / "broken.xml", [])

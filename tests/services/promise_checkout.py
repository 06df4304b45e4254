"""A small checkout for the evidence pack's tests: the shipped Harmony policy with a register
of the seven promises its controls serve, a test tree that tags some of them, and the JUnit
report of a run in which one test failed on PostgreSQL and another only skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REGISTERED = ["S1-03", "S1-20", "S1-22", "S1-23", "S1-24", "L-12", "L-13"]

TEST_ERASURE = """\
import pytest

from hippocratic.services import erasure


@pytest.mark.promise("S1-24", "L-13")
def test_keys_are_shredded():
    assert erasure


@pytest.mark.promise("S1-22")
def test_labels_drive_encryption():
    pass


def test_untagged():
    pass
"""

TEST_PAGES = """\
import pytest

from hippocratic.services.erasure import something
from hippocratic.faces.web import site

pytestmark = [pytest.mark.promise("S1-23")]


def test_break_glass_asks_why():
    pass


class TestReport:
    @pytest.mark.promise("S1-03")
    def test_controls_listed(self):
        pass
"""

RUN = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="pytest" tests="7" timestamp="2026-12-07T10:00:00+00:00">
<testcase classname="tests.services.test_erasure" name="test_keys_are_shredded[sqlite]"/>
<testcase classname="tests.services.test_erasure" name="test_keys_are_shredded[postgresql]">
<failure message="boom">AssertionError</failure></testcase>
<testcase classname="tests.services.test_erasure" name="test_labels_drive_encryption">
<skipped message="no server"/></testcase>
<testcase classname="tests.services.test_erasure" name="test_untagged"/>
<testcase classname="tests.faces.web.test_pages" name="test_break_glass_asks_why"/>
<testcase classname="tests.faces.web.test_pages.TestReport" name="test_controls_listed"/>
<testcase classname="tests.other.test_gone" name="test_old"/>
</testsuite></testsuites>
"""


def make_checkout(root: Path, registered: list[str] = REGISTERED) -> Path:
    """The checkout at ``root``; returns its policy file."""
    (root / "src" / "hippocratic" / "services").mkdir(parents=True)
    (root / "src" / "hippocratic" / "services" / "erasure.py").write_text("something = 1\n")
    (root / "src" / "hippocratic" / "faces" / "web").mkdir(parents=True)
    (root / "src" / "hippocratic" / "faces" / "web" / "site.py").write_text("")
    (root / "tests" / "services").mkdir(parents=True)
    (root / "tests" / "services" / "test_erasure.py").write_text(TEST_ERASURE)
    (root / "tests" / "faces" / "web").mkdir(parents=True)
    (root / "tests" / "faces" / "web" / "test_pages.py").write_text(TEST_PAGES)
    (root / "build").mkdir()
    (root / "build" / "test-results.xml").write_text(RUN)
    policies = root / "policies"
    (policies / "promises").mkdir(parents=True)
    policy = policies / "harmony-healthcare.yaml"
    shutil.copy(REPO / "policies" / "harmony-healthcare.yaml", policy)
    entries = "".join(
        f"  - id: {i}\n    quote: the notice's words for {i}\n    capability: what keeps {i}\n"
        f"    test: what proves {i}\n    law: Art. 32\n"
        for i in registered
    )
    (policies / "promises" / "harmony-healthcare.yaml").write_text(
        "organisation: harmony\npolicy: harmony-healthcare.yaml\nnotice: 001.txt\n"
        f"promises:\n{entries}"
    )
    return policy

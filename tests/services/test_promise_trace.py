"""The trace of a policy: each promise to the policy key that states it, the code and the
tests, proven only if every run of its tests passed; each control through its promises; and
every gap named, never a promise quietly counted as kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.services.promise_checkout import make_checkout

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.promise_register import load_register, register_path
from hippocratic.services.promise_tests import read_run, tagged_tests
from hippocratic.services.promise_trace import Proof, trace_policy, unknown_tags

DAY = date(2026, 12, 7)


@pytest.mark.promise("S1-03")
def test_each_promise_and_control_is_traced_and_judged_by_the_run(tmp_path: Path) -> None:
    policy = make_checkout(tmp_path)
    tagged = tagged_tests(tmp_path / "tests", tmp_path)
    run = read_run(tmp_path / "build" / "test-results.xml", tagged)
    pack = trace_policy(policy, tagged, run, DAY)
    proof = {p.id: p.proof for p in pack.promises}
    assert proof == {
        "S1-03": Proof.PROVEN, "S1-23": Proof.PROVEN,
        "S1-24": Proof.FAILING, "L-13": Proof.FAILING,  # failed on one engine of two
        "S1-22": Proof.NOT_RUN,  # only skipped
        "S1-20": Proof.UNTESTED, "L-12": Proof.UNTESTED,
    }  # fmt: skip
    assert [p.id for p in pack.gaps] == ["S1-20", "S1-22", "S1-24", "L-12", "L-13"]
    assert not pack.sound
    traced = {p.id: p for p in pack.promises}
    assert any(s.path == "organisation.standards" for s in traced["S1-03"].statements)
    assert traced["S1-24"].code == ["src/hippocratic/services/erasure.py"]
    [shredded] = traced["S1-24"].tests
    assert (shredded.passed, shredded.failed, shredded.skipped) == (1, 1, 0)
    controls = {c.key: c for c in pack.controls}
    assert set(controls) >= {"encryption_at_rest", "access_control", "logging"}
    encryption = controls["encryption_at_rest"]
    assert (encryption.annex_a, encryption.iso27701, encryption.promises) == (
        "A.8.24",
        ["6.7.1"],
        ["S1-24"],
    )
    assert encryption.proof is Proof.FAILING
    assert controls["access_control"].proof is Proof.NOT_RUN  # the weaker of its two
    assert controls["logging"].proof is Proof.PROVEN
    assert controls["supplier_agreements"].review_overdue  # reviewed 2025-08-29, yearly


def test_without_a_run_tagged_promises_are_unknown_not_proven(tmp_path: Path) -> None:
    policy = make_checkout(tmp_path)
    pack = trace_policy(policy, tagged_tests(tmp_path / "tests", tmp_path), None, DAY)
    assert pack.count(Proof.PROVEN) == 0 and pack.count(Proof.TAGGED) == 5
    assert [p.id for p in pack.gaps] == ["S1-20", "L-12"]


def test_a_control_or_tag_naming_an_unregistered_promise_is_a_problem(tmp_path: Path) -> None:
    policy = make_checkout(tmp_path, registered=["S1-03", "S1-22", "S1-23", "S1-24", "L-13"])
    tagged = tagged_tests(tmp_path / "tests", tmp_path)
    pack = trace_policy(policy, tagged, None, DAY)
    assert "a control names S1-20, which the register does not list" in pack.problems
    assert "a control names L-12, which the register does not list" in pack.problems
    (tmp_path / "tests" / "test_typo.py").write_text(
        'import pytest\n\n\n@pytest.mark.promise("S1-99")\ndef test_x():\n    pass\n'
    )
    tagged = tagged_tests(tmp_path / "tests", tmp_path)
    assert unknown_tags(tagged, [load_register(register_path(policy))]) == [
        "tests/test_typo.py::test_x names S1-99, which no promise register lists"
    ]


def test_a_register_for_another_organisation_is_refused(tmp_path: Path) -> None:
    policy = make_checkout(tmp_path)
    register = register_path(policy)
    register.write_text(register.read_text().replace("organisation: harmony", "organisation: x"))
    with pytest.raises(PolicyInvalid, match="is for 'x', the policy for 'harmony'"):
        trace_policy(policy, [], None, DAY)

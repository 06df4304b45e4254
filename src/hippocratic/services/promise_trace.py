"""The evidence an auditor can follow, for one policy: every promise of its notice → where the
policy states it → the code that keeps it → the tests that prove it and how they did when last
run; and every security control of its register (ISO/IEC 27001:2022 Annex A, ISO/IEC 27701)
→ the promises it serves → the same code and tests.

A promise counts as proven only when a test names it and, in the recorded run, that test ran
and passed on every engine and parameter it ran with. Nothing here is typed in: statements are
read from the policy file's comments, tests from their tags, outcomes from the run's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.loader import parse_policy
from hippocratic.policy.promise_register import PromiseRegister, load_register, register_path
from hippocratic.policy.promise_statement import PolicyStatement, promise_statements
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services.promise_tests import Outcome, TaggedTest, TestRun

MOST_CODE = 6
"""Modules shown per promise: the ones its tests exercise most."""


class Proof(StrEnum):
    PROVEN = "proven"
    """Tested, and every run of its tests passed."""
    TAGGED = "tagged"
    """Tested, but no run was read: outcomes unknown."""
    FAILING = "failing"
    NOT_RUN = "not run"
    """Tested, but none of its tests ran (absent from the run, or only skipped)."""
    UNTESTED = "untested"

    @property
    def gap(self) -> bool:
        """A promise the evidence cannot vouch for: the pack fails on it."""
        return self in {Proof.FAILING, Proof.NOT_RUN, Proof.UNTESTED}


@dataclass(frozen=True)
class TestEvidence:
    __test__ = False

    node: str
    line: int
    passed: int
    failed: int
    skipped: int


@dataclass(frozen=True)
class PromiseTrace:
    id: str
    quote: str
    capability: str
    law: str
    statements: list[PolicyStatement]
    code: list[str]
    tests: list[TestEvidence]
    proof: Proof


@dataclass(frozen=True)
class ControlTrace:
    key: str
    title: str
    kind: str
    annex_a: str
    iso27701: list[str]
    owner: str
    evidence: str
    last_reviewed: date
    next_review: date
    review_overdue: bool
    promises: list[str]
    code: list[str]
    tests: int
    proof: Proof
    """The weakest proof among its promises; untested if it names none."""


@dataclass(frozen=True)
class PolicyEvidence:
    organisation: str
    organisation_name: str
    policy_file: str
    notice: str
    as_of: date
    run: str | None
    """The run's report and when it ran, or None if no run was read."""
    promises: list[PromiseTrace]
    controls: list[ControlTrace]
    problems: list[str]

    def count(self, proof: Proof) -> int:
        return sum(1 for p in self.promises if p.proof is proof)

    @property
    def gaps(self) -> list[PromiseTrace]:
        return [p for p in self.promises if p.proof.gap]

    @property
    def sound(self) -> bool:
        """Every promise proven (or tagged, when no run was read), no problem found."""
        return not self.gaps and not self.problems


def trace_policy(
    policy_file: Path, tagged: list[TaggedTest], run: TestRun | None, as_of: date
) -> PolicyEvidence:
    """The trace of ``policy_file`` and its promise register (``promises/`` beside it)."""
    policy = load_sound_policy(policy_file)
    register = load_register(register_path(policy_file))
    if register.organisation != policy.organisation.key:
        raise PolicyInvalid(
            f"the promise register {register_path(policy_file)} is for "
            f"{register.organisation!r}, the policy for {policy.organisation.key!r}",
            field="register",
        )
    _, locator, _ = parse_policy(policy_file)
    statements = promise_statements(policy_file.read_text(encoding="utf-8"), locator)
    by_promise: dict[str, list[TaggedTest]] = {}
    for test in tagged:
        for promise in test.promises:
            by_promise.setdefault(promise, []).append(test)
    promises = [
        _promise(p.id, p.quote, p.capability, p.law, statements, by_promise, run)
        for p in register.promises
    ]
    traces = {p.id: p for p in promises}
    register_of_day = policy.control_register(as_of)
    status = {row.key: row for row in register_of_day.controls}
    controls = []
    problems = _problems(register, statements, [list(c.promises) for c in policy.controls])
    for control in policy.controls:
        served = [traces[i] for i in control.promises if i in traces]
        row = status[control.key]
        controls.append(
            ControlTrace(
                control.key, control.title, control.kind.value, control.annex_a,
                list(control.iso27701), row.owner_title, control.evidence,
                control.last_reviewed, row.next_review, row.overdue, list(control.promises),
                _most(code for p in served for code in p.code),
                sum(len(p.tests) for p in served),
                max((p.proof for p in served), key=_weakness, default=Proof.UNTESTED),
            )
        )  # fmt: skip
    return PolicyEvidence(
        policy.organisation.key,
        policy.organisation.trading_name or policy.organisation.legal_name,
        policy_file.name,
        register.notice,
        as_of,
        None if run is None else f"{run.source}" + (f" at {run.when}" if run.when else ""),
        promises,
        controls,
        problems,
    )


def unknown_tags(tagged: list[TaggedTest], registers: list[PromiseRegister]) -> list[str]:
    """Tags naming a promise no register lists (a typo proves nothing): one line each."""
    known = {i for register in registers for i in register.ids()}
    return [
        f"{test.node} names {promise}, which no promise register lists"
        for test in tagged
        for promise in test.promises
        if promise not in known
    ]


def _promise(
    promise: str,
    quote: str,
    capability: str,
    law: str,
    statements: dict[str, list[PolicyStatement]],
    by_promise: dict[str, list[TaggedTest]],
    run: TestRun | None,
) -> PromiseTrace:
    tests = by_promise.get(promise, [])
    evidence = []
    for test in tests:
        outcomes = run.of(test.node) if run is not None else Counter[Outcome]()
        evidence.append(
            TestEvidence(
                test.node, test.line, outcomes[Outcome.PASSED], outcomes[Outcome.FAILED],
                outcomes[Outcome.SKIPPED],
            )
        )  # fmt: skip
    return PromiseTrace(
        promise, quote, capability, law, statements.get(promise, []),
        _most(code for test in tests for code in test.code), evidence,
        _proof(evidence, run is not None),
    )  # fmt: skip


def _proof(tests: list[TestEvidence], ran: bool) -> Proof:
    if not tests:
        return Proof.UNTESTED
    if not ran:
        return Proof.TAGGED
    if any(t.failed for t in tests):
        return Proof.FAILING
    if not any(t.passed for t in tests):
        return Proof.NOT_RUN
    return Proof.PROVEN


_ORDER = [Proof.PROVEN, Proof.TAGGED, Proof.NOT_RUN, Proof.FAILING, Proof.UNTESTED]


def _weakness(proof: Proof) -> int:
    return _ORDER.index(proof)


def _most(codes: Iterable[str]) -> list[str]:
    counted = Counter(codes)
    return [code for code, _ in counted.most_common(MOST_CODE)]


def _problems(
    register: PromiseRegister,
    statements: dict[str, list[PolicyStatement]],
    control_promises: list[list[str]],
) -> list[str]:
    known = set(register.ids())
    problems = [
        f"the policy states {promise} (line {where[0].line}), which its register does not list"
        for promise, where in statements.items()
        if promise not in known and promise.split("-")[0] in {i.split("-")[0] for i in known}
    ]
    for promises in control_promises:
        problems.extend(
            f"a control names {promise}, which the register does not list"
            for promise in promises
            if promise not in known
        )
    return problems

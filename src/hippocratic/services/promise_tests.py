"""The tests that prove promises, and how they did when last run.

A test proves a promise when it carries ``@pytest.mark.promise("S0-33", …)`` (or its module's
``pytestmark`` does). The tags are read from the test files themselves, without importing or
running them, so the evidence pack works from a checkout. How each test did comes from the
JUnit XML report of the last full run (``make test`` writes ``build/test-results.xml``): a
test runs once per engine and parameter, and each run is counted.

The code a test exercises is the module its file mirrors (``tests/services/test_erasure.py``
tests ``hippocratic/services/erasure.py``), else the Hippocratic modules it imports.
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from hippocratic.errors import InputError
from hippocratic.policy.promise_register import promise_ids

PACKAGE = "hippocratic"


@dataclass(frozen=True)
class TaggedTest:
    node: str
    """``tests/services/test_erasure.py::test_erasure_shreds_the_key``."""
    file: str
    line: int
    promises: tuple[str, ...]
    code: tuple[str, ...]
    """Modules of the package the test exercises, as paths (``src/hippocratic/x.py``)."""


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class TestRun:
    """The outcomes of one recorded run, by test node (all its parameters together)."""

    __test__ = False  # not a pytest class, whatever its name

    source: str
    when: str | None
    total: int
    outcomes: dict[str, Counter[Outcome]] = field(default_factory=dict)

    def of(self, node: str) -> Counter[Outcome]:
        return self.outcomes.get(node, Counter())


def tagged_tests(tests: Path, root: Path) -> list[TaggedTest]:
    """Every test function under ``tests`` that names at least one promise, in file order;
    node ids and paths relative to ``root`` (the checkout)."""
    if not tests.is_dir():
        raise InputError(f"no test directory at {tests}", field="tests")
    found: list[TaggedTest] = []
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(root).as_posix()
        code = _exercised(path, tree, root)
        module_ids = _module_promises(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.extend(_tagged(node, relative, module_ids, code))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                class_ids = _decorator_promises(node.decorator_list)
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        owner = f"{relative}::{node.name}"
                        found.extend(_tagged(member, owner, (*module_ids, *class_ids), code))
    return found


def _tagged(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: str,
    inherited: tuple[str, ...],
    code: tuple[str, ...],
) -> list[TaggedTest]:
    if not function.name.startswith("test"):
        return []
    ids = tuple(dict.fromkeys((*inherited, *_decorator_promises(function.decorator_list))))
    if not ids:
        return []
    file = owner.split("::", 1)[0]
    return [TaggedTest(f"{owner}::{function.name}", file, function.lineno, ids, code)]


def _decorator_promises(decorators: list[ast.expr]) -> tuple[str, ...]:
    ids: list[str] = []
    for decorator in decorators:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "promise"
            and isinstance(decorator.func.value, ast.Attribute)
            and decorator.func.value.attr == "mark"
        ):
            for arg in decorator.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    ids.extend(promise_ids(arg.value))
    return tuple(ids)


def _module_promises(tree: ast.Module) -> tuple[str, ...]:
    """The promises of a module-level ``pytestmark`` (one mark or a list of marks)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            marks = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            return _decorator_promises(marks)
    return ()


def _exercised(path: Path, tree: ast.Module, root: Path) -> tuple[str, ...]:
    """The mirrored module of the test file if there is one, else the package's imported
    modules (sorted), as paths relative to ``root``."""
    source = root / "src" / PACKAGE
    parts = path.relative_to(root).parts[1:-1]
    mirrored = source.joinpath(*parts, path.name.removeprefix("test_"))
    if mirrored.is_file():
        return (mirrored.relative_to(root).as_posix(),)
    modules: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.split(".")[0] != PACKAGE:
                continue
            file = root / "src" / (name.replace(".", "/") + ".py")
            if file.is_file():
                modules.add(file.relative_to(root).as_posix())
    return tuple(sorted(modules))


def read_run(report: Path, tests: list[TaggedTest]) -> TestRun:
    """The outcomes in a JUnit XML ``report``, keyed by the node ids of ``tests`` (a case
    ``test_x[sqlite]`` counts for ``test_x``). Cases of untagged tests are counted in the
    total only."""
    try:
        # Our own pytest's report, not input from outside.
        root = ElementTree.parse(report).getroot()  # noqa: S314
    except (OSError, ElementTree.ParseError) as exc:
        raise InputError(f"cannot read the test report {report}: {exc}", field="results") from exc
    modules = {t.file.removesuffix(".py").replace("/", "."): t.file for t in tests}
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    run = TestRun(str(report), suites[0].get("timestamp") if suites else None, 0)
    for case in root.iter("testcase"):
        run.total += 1
        node = _node_of(case.get("classname", ""), case.get("name", ""), modules)
        if node is None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = Outcome.FAILED
        elif case.find("skipped") is not None:
            outcome = Outcome.SKIPPED
        else:
            outcome = Outcome.PASSED
        run.outcomes.setdefault(node, Counter())[outcome] += 1
    return run


def _node_of(classname: str, name: str, modules: dict[str, str]) -> str | None:
    function = name.split("[", 1)[0]
    if classname in modules:
        return f"{modules[classname]}::{function}"
    module, _, cls = classname.rpartition(".")
    if module in modules:
        return f"{modules[module]}::{cls}::{function}"
    return None

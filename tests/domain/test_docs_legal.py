"""docs/legal-rules.md and the deadlines section of docs/cli.md stay true to the code: every
option of `deadline` and `retention` is documented, and so is every catalogue entry and legal
source, with whether it is verified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup, TyperOption

from hippocratic.domain.legal_source import SOURCES
from hippocratic.domain.retention_catalogue import CATALOGUE
from hippocratic.faces.cli.app import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
CLI = (DOCS / "cli.md").read_text(encoding="utf-8")
SECTION = CLI.split("## Deadlines and retention", 1)[1].split("\n## ", 1)[0]
LEGAL = (DOCS / "legal-rules.md").read_text(encoding="utf-8")


def _options(group_name: str) -> list[tuple[str, str]]:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    group = root.commands[group_name]
    assert isinstance(group, TyperGroup)
    return [
        (f"{group_name} {name}", option)
        for name, command in group.commands.items()
        for param in command.params
        if isinstance(param, TyperOption)
        for option in param.opts
        if option != "--help"
    ]


CALCULUS = {"deadline": None, "retention": {"retention end"}}
"""The commands of the legal calculus documented in this section, all of a group's (None) or
those named; the retention sweep's commands have a section of their own."""


@pytest.mark.parametrize("group", ["deadline", "retention"])
def test_every_option_is_in_the_options_table(group: str) -> None:
    wanted = CALCULUS[group]
    options = [(c, o) for c, o in _options(group) if wanted is None or c in wanted]
    assert options, group
    for command, option in options:
        assert re.search(rf"^\| `{re.escape(option)}[ `]", SECTION, re.MULTILINE), (command, option)
        assert f"hippocratic {command}" in SECTION, command


def test_the_options_the_review_found_missing_are_there() -> None:
    for option in ("--end-of-treatment", "--last-interaction", "--financial-year-end"):
        assert f"[{option} D]" in SECTION, option
    assert ("deadline sar", "--identity-received") in _options("deadline")


def test_every_catalogue_entry_is_documented() -> None:
    for record_type in CATALOGUE:
        assert f"| `{record_type}`" in LEGAL, record_type


def test_every_source_is_in_the_registry_table_with_its_verification() -> None:
    for key, source in SOURCES.items():
        row = re.search(rf"^\| `{key}` \| (yes|no) \|", LEGAL, re.MULTILINE)
        assert row is not None, key
        assert row.group(1) == ("yes" if source.verified else "no"), key

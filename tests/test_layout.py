"""The codebase keeps its own rules: modules stay small, the CLI starts, errors carry codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hippocratic import errors
from hippocratic.faces.cli.app import app

SRC = Path(__file__).resolve().parent.parent / "src" / "hippocratic"


def test_no_module_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(SRC)): count
        for path in SRC.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert too_long == {}


def test_every_error_has_a_distinct_stable_code() -> None:
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.HippocraticError)
    ]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_cli_help_lists_the_command_groups() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "policy" in result.output

"""Every command's help, as a new user reads it: what each value looks like in words, never a
Python type, and text such as ``[rule]`` shown as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from hippocratic.faces.cli.app import app

PYTHON_TYPE = re.compile(r"<(str|int|bool|float|path|file|list\[[^>]*\]|int range)>")
runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_help_shows_a_python_type() -> None:
    paths = list(_commands(typer.main.get_command(app)))
    assert len(paths) > 40
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert not PYTHON_TYPE.search(result.stdout), (path, result.stdout)


def test_help_text_is_shown_as_written() -> None:
    text = runner.invoke(app, ["policy", "check", "--help"]).stdout
    assert "key.path  [rule] what is wrong" in text
    assert "Usage: hippocratic policy check [OPTIONS] {FILES}..." in text
    serve = runner.invoke(app, ["serve", "--help"]).stdout
    assert "--port N" in serve and "--keys PATH" in serve

"""docs/cli.md names every command the CLI registers."""

from __future__ import annotations

from pathlib import Path

import typer

from hippocratic.faces.cli.app import app

DOC = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str) -> list[str]:
    names = [
        f"{prefix} {info.name or info.callback.__name__}".strip()
        for info in group.registered_commands
        if info.callback
    ]
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            names += _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return names


def test_every_command_is_documented() -> None:
    commands = _commands(app, "")
    assert "policy check" in commands
    for command in commands:
        assert f"`hippocratic {command}" in DOC, command

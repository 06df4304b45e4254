"""``hippocratic policy``: check policy files."""

from __future__ import annotations

import typer

app = typer.Typer(help="Check an organisation's policy file.", no_args_is_help=True)

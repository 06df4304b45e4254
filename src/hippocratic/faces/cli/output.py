"""How commands speak: Rich for people, the JSON envelope for machines, no tracebacks.

Both consoles print text as written: Rich markup is off by default, so a message, a value or a
table cell holding ``[...]`` (a list in an error, a policy rule id, a patient's own words) is
shown literally instead of being taken for a style and dropped. A command that wants a style
passes ``markup=True`` and escapes every value it interpolates (``rich.markup.escape``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from rich.console import Console
from rich.markup import escape

from hippocratic.errors import HippocraticError
from hippocratic.faces.envelope import failure, success

json_requested: ContextVar[bool] = ContextVar("json_requested", default=False)

console = Console(highlight=False, soft_wrap=True, markup=False)
error_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def wants_json(flag: bool) -> bool:
    """Record that this invocation speaks JSON, so errors are reported as JSON too."""
    json_requested.set(flag)
    return flag


def emit(data: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    """Print ``data`` as the JSON envelope, or call ``render`` to show it to a person."""
    if wants_json(as_json):
        sys.stdout.write(json.dumps(success(data), indent=2, ensure_ascii=False) + "\n")
    else:
        render()


def report_error(error: HippocraticError, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(failure(error), indent=2, ensure_ascii=False) + "\n")
        return
    error_console.print(
        f"[bold red]error[/] [dim]{escape(error.code)}[/]: {escape(error.message)}", markup=True
    )
    if error.field:
        error_console.print(f"  where: {error.field}", markup=False)
    if error.hint:
        error_console.print(f"  fix:   {error.hint}", markup=False)

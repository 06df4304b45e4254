"""The one JSON envelope for success and for errors, shared by the web API and ``--json``.

{"ok": true,  "data": ...}
{"ok": false, "error": {"code": "policy.invalid", "message": "...", "field": ..., "hint": ...}}
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python

from hippocratic.errors import HippocraticError


def success(data: Any) -> dict[str, Any]:
    """Models, dataclasses, dates and enums become plain JSON values."""
    return {"ok": True, "data": to_jsonable_python(data)}


def failure(error: HippocraticError) -> dict[str, Any]:
    return {"ok": False, "error": error.to_dict()}

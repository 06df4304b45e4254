"""The one JSON envelope for success and for errors, shared by the web API and ``--json``.

{"ok": true,  "data": ...}
{"ok": false, "error": {"code": "policy.invalid", "message": "...", "field": ..., "hint": ...}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hippocratic.errors import HippocraticError


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list | tuple):
        return [_plain(item) for item in data]
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    return data


def success(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": _plain(data)}


def failure(error: HippocraticError) -> dict[str, Any]:
    return {"ok": False, "error": error.to_dict()}

"""Pydantic's validation errors, said the way a DPO editing YAML can act on them.

Each error becomes a ``Problem`` at the line of the offending key: what was expected, what was
found, and how to write it instead (choices listed, the closest known key suggested, the YAML
traps named: ``NO`` read as false, ``2`` read as a number, an empty value read as null).
"""

from __future__ import annotations

import difflib
import re
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from hippocratic.policy.document import Policy
from hippocratic.policy.locator import Loc, Locator
from hippocratic.policy.problem import Problem

DOCS = "see docs/policy.md"

_EXPECTED: dict[str, str] = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of `key: value` lines",
    "model_type": "a mapping of `key: value` lines",
    "model_attributes_type": "a mapping of `key: value` lines",
    "date_type": "a date",
    "date_parsing": "a date",
    "date_from_datetime_parsing": "a date",
    "date_from_datetime_inexact": "a date without a time",
    "url_type": "a web address",
    "url_parsing": "a web address",
    "url_scheme": "a web address",
}
_HOW: dict[str, str] = {
    "text": "write the text after the colon",
    "a whole number": "write a whole number, e.g. `8`",
    "true or false": "write `true` or `false`",
    "a list": "write `[first, second]`, or one `- item` per line below the key",
    "a mapping of `key: value` lines": "indent `key: value` lines under this key",
    "a date": "write it as YYYY-MM-DD, e.g. 2026-01-31",
    "a date without a time": "write it as YYYY-MM-DD, without a time",
    "a web address": "write it in full, starting with https://",
}
_PATTERNS: dict[str, tuple[str, str]] = {
    r"^[a-z][a-z0-9_]*$": (
        "keys are lower-case letters, digits and underscores, starting with a letter",
        "write it as `{suggested}`",
    ),
    r"^[A-Z]{2}$": (
        "countries are two-letter ISO 3166-1 codes",
        'write the code in capitals, e.g. `GB`, `US` ("NO" for Norway needs quotes)',
    ),
    r"^(\d{8}|[A-Z]{2}\d{6})$": (
        "a Companies House number is 8 digits, or 2 letters and 6 digits",
        'quote it so leading zeros survive, e.g. "01234567"',
    ),
}


def located_at(error: ErrorDetails) -> Loc:
    """The key path of a pydantic error in the file, without pydantic's validator labels."""
    return tuple(
        part
        for part in error["loc"]
        if not isinstance(part, str) or not part.startswith(("function-", "tagged-union["))
    )


def closest_key(loc: Loc) -> str | None:
    """The known key an unknown key at ``loc`` is probably a misspelling of, if any."""
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, sorted(keys_at(loc[:-1])), n=1, cutoff=0.6)
    return close[0] if close else None


def problem_from(error: ErrorDetails, locator: Locator) -> Problem:
    """One pydantic error as a located, actionable problem."""
    loc = located_at(error)
    kind = error["type"]
    name = str(loc[-1]) if loc else ""
    given = error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return locator.problem(
            loc,
            "schema.missing",
            f"required key `{name}` is missing",
            f"add `{name}:` here ({DOCS})",
        )
    if kind == "extra_forbidden":
        suggested = closest_key(loc)
        listed = ", ".join(sorted(keys_at(loc[:-1])))
        hint = f"did you mean `{suggested}`?" if suggested else f"remove it; keys here: {listed}"
        return locator.problem(loc, "schema.unknown_key", f"unknown key `{name}`", hint)
    if kind in ("enum", "literal_error"):
        choices = choices_at(loc)
        close = difflib.get_close_matches(str(given), choices, n=1, cutoff=0.6)
        listed = ", ".join(choices) if choices else str(ctx.get("expected", ""))
        hint = f"did you mean `{close[0]}`? Allowed: {listed}" if close else f"use one of: {listed}"
        return locator.problem(loc, "schema.choice", f"{given!r} is not allowed here", hint)
    expected = _EXPECTED.get(kind)
    if expected is not None:
        message, fix = _wrong_type(expected, given)
        return locator.problem(loc, f"schema.{kind}", message, fix)
    message, fix = _wrong_value(kind, error["msg"], given, ctx)
    return locator.problem(loc, f"schema.{kind}", message, fix)


def _wrong_type(expected: str, given: Any) -> tuple[str, str]:
    how = _HOW[expected]
    if given is None:
        return (
            f"the value is empty; {expected} is expected",
            f"{how}, or remove the key if it is optional",
        )
    if isinstance(given, bool) and expected != "true or false":
        word = "true" if given else "false"
        return (
            f"YAML read this value as `{word}` (yes/no/on/off/Y/N are booleans); "
            f"{expected} is expected",
            'put the value in quotes, e.g. "NO"',
        )
    if isinstance(given, int | float) and not isinstance(given, bool) and expected == "text":
        return (
            f"YAML read this value as the number {given!r}; text is expected",
            f'put the value in quotes, e.g. "{given}"',
        )
    return f"{expected} is expected, found {_shown(given)}", how


def _wrong_value(kind: str, msg: str, given: Any, ctx: dict[str, Any]) -> tuple[str, str]:
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        what, how = _PATTERNS.get(pattern, (f"must match {pattern}", f"correct it ({DOCS})"))
        suggested = re.sub(r"[^a-z0-9_]+", "_", str(given).lower()).strip("_")
        return f"{_shown(given)} is not valid: {what}", how.format(suggested=suggested)
    if kind == "string_too_short":
        return "the text is empty", "write the text, or remove the key if it is optional"
    if kind == "too_short":
        return "the list is empty; at least one entry is needed", "add at least one entry"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{_shown(given)} is too small", f"use a value of at least {bound}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{_shown(given)} is too large", f"use a value of at most {bound}"
    if kind == "string_too_long":
        return f"{_shown(given)} is too long", f"shorten it to {ctx.get('max_length')} characters"
    reason = msg.removeprefix("Value error, ")
    if "email address" in reason:
        return f"{_shown(given)} is not an email address", "write it as name@example.org"
    return f"{reason} (found {_shown(given)})", f"correct the value ({DOCS})"


def _shown(given: Any) -> str:
    if isinstance(given, dict):
        return "a mapping"
    if isinstance(given, list):
        return "a list"
    return repr(given)


def keys_at(loc: Loc) -> frozenset[str]:
    """The keys the format allows in the mapping at ``loc`` (all keys if it cannot tell)."""
    model = _model_at(loc)
    return _keys_of(model) if model is not None else _all_keys()


def choices_at(loc: Loc) -> list[str]:
    """The allowed values of the enum field at ``loc``, in declaration order."""
    annotation = _annotation_at(loc)
    for candidate in (annotation, *_flat_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [str(member.value) for member in candidate]
    return []


def _annotation_at(loc: Loc) -> Any:
    annotation: Any = Policy
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if get_origin(annotation) is list:
                annotation = get_args(annotation)[0]
                continue
            return None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        field = _fields_by_alias(annotation).get(part)
        if field is None:
            return None
        annotation = field
    return _unwrap(annotation)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    annotation = _annotation_at(loc)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; ``Annotated[X, ...]`` -> ``X``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _flat_args(annotation: Any) -> list[Any]:
    return [_unwrap(arg) for arg in get_args(annotation)]


@cache
def _fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    return {(info.alias or name): info.annotation for name, info in model.model_fields.items()}


@cache
def _keys_of(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(_fields_by_alias(model))


@cache
def _all_keys() -> frozenset[str]:
    names: set[str] = set()
    pending: list[Any] = [Policy]
    seen: set[type[BaseModel]] = set()
    while pending:
        candidate = _unwrap(pending.pop())
        if get_origin(candidate) is not None:
            pending.extend(get_args(candidate))
            continue
        if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
            continue
        if candidate in seen:
            continue
        seen.add(candidate)
        names.update(_keys_of(candidate))
        pending.extend(_fields_by_alias(candidate).values())
    return frozenset(names)

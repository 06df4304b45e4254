"""Keyset paging: a page of items and an opaque cursor for the next one.

A cursor is the sort key of the last item shown (a time and an id), base64url-encoded JSON. It
carries nothing a reader could not see on the page itself, and paging by it is stable while
rows are added, unlike an offset; a cursor that does not decode is bad input, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from hippocratic.errors import InputError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None
    """The cursor of the next page, or None if this is the last."""


@dataclass(frozen=True)
class Cursor:
    at: datetime | date
    """A moment, or a day (a due date)."""
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if text is None or text == "":
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            at, ident = json.loads(raw)
            moment: datetime | date = (
                datetime.fromisoformat(at) if "T" in at else date.fromisoformat(at)
            )
            if isinstance(moment, datetime) and moment.utcoffset() is None:
                raise ValueError(at)
            if not isinstance(ident, str) or len(ident) > 64:
                raise ValueError(ident)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InputError(
                "the page cursor is not one this service gave out",
                field="cursor",
                hint="use the `next` value of the previous page, or leave it out",
            ) from None
        return cls(moment, ident)


def limit_of(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit

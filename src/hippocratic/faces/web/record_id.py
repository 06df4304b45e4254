"""The identifier of a record in a URL or a request body: what the store makes (a UUID, 36
characters), so nothing longer or stranger ever reaches a query or an audit event. A
malformed identifier in a path is answered as an unknown one is: 404, never a hint."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

PATTERN = r"^[0-9A-Za-z-]{1,36}$"
RecordId = Annotated[str, Path(min_length=1, max_length=36, pattern=PATTERN)]
"""A record's identifier as a path parameter."""
BodyId = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=PATTERN)]
"""A record's identifier inside a request body."""

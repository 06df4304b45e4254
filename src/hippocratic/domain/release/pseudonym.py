"""Keyed pseudonyms: the same patient gets the same pseudonym within a release project and
unlinkable pseudonyms across projects; the key never appears in the output.

``pseudonym = HMAC-SHA-256(release key, project | column | value)``, truncated to 20 base32
characters (100 bits). Re-identification is a separate, explicit operation that needs the key
and the original identifiers, and is meant to be audited by its caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from hippocratic.errors import InputError

MIN_KEY_BYTES = 32


def _check(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise InputError(
            f"a release key must be at least {MIN_KEY_BYTES} bytes",
            field="release_key",
            hint="generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`",
        )


def pseudonym(key: bytes, project: str, column: str, value: str) -> str:
    _check(key)
    digest = hmac.new(key, f"{project}\x1f{column}\x1f{value}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:13]).decode()[:20]


def pseudonymise(key: bytes, project: str, column: str, values: Iterable[str]) -> list[str]:
    _check(key)
    cache: dict[str, str] = {}
    out = []
    for value in values:
        if value not in cache:
            cache[value] = pseudonym(key, project, column, value)
        out.append(cache[value])
    return out


def reidentify(
    key: bytes, project: str, column: str, pseudonyms: Iterable[str], candidates: Iterable[str]
) -> Mapping[str, str]:
    """Which of ``candidates`` (original identifiers) stand behind these pseudonyms."""
    wanted = set(pseudonyms)
    return {
        alias: value
        for value in candidates
        if (alias := pseudonym(key, project, column, value)) in wanted
    }

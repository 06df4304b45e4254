"""Every published version of an organisation's privacy notice, kept immutably.

A version is stored once with its effective date and the SHA-256 of its content; publishing the
same content again is a no-op, and publishing different content under an existing version is
refused, so the text a patient was shown can always be produced later (S0-01).

Layout: ``ROOT/<organisation>/index.json`` plus ``<version>.md`` and ``<version>.html``.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from hippocratic.errors import Conflict, NotFound

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class NoticeRecord(BaseModel):
    organisation: str
    version: str
    effective_date: date
    sha256: str
    published_at: datetime


_INDEX = TypeAdapter(list[NoticeRecord])


class NoticeArchive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def publish(
        self,
        organisation: str,
        version: str,
        effective_date: date,
        markdown: str,
        html: str,
        published_at: datetime,
    ) -> tuple[NoticeRecord, bool]:
        """Store a version; return it and whether it was new."""
        folder = self._folder(organisation)
        _check_name(version, "version")
        digest = hashlib.sha256(markdown.encode("utf-8")).hexdigest()
        records = self.versions(organisation)
        for record in records:
            if record.version == version:
                if record.sha256 != digest:
                    raise Conflict(
                        f"version {version} of {organisation}'s notice is already published with "
                        "different content",
                        field="notice.version",
                        hint="give the changed notice a new version number in the policy file",
                    )
                return record, False
        record = NoticeRecord(
            organisation=organisation,
            version=version,
            effective_date=effective_date,
            sha256=digest,
            published_at=published_at,
        )
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / f"{version}.md", markdown)
        _write(folder / f"{version}.html", html)
        _write(folder / "index.json", _INDEX.dump_json([*records, record], indent=2).decode())
        return record, True

    def versions(self, organisation: str) -> list[NoticeRecord]:
        index = self._folder(organisation) / "index.json"
        if not index.exists():
            return []
        return _INDEX.validate_json(index.read_bytes())

    def text(self, organisation: str, version: str, fmt: str) -> str:
        _check_name(version, "version")
        if fmt not in ("md", "html"):
            raise NotFound(f"no {fmt!r} rendering is kept", hint="use md or html")
        path = self._folder(organisation) / f"{version}.{fmt}"
        if not path.exists():
            raise NotFound(f"{organisation} has published no notice version {version}")
        return path.read_text(encoding="utf-8")

    def _folder(self, organisation: str) -> Path:
        _check_name(organisation, "organisation")
        return self.root / organisation


def _check_name(value: str, what: str) -> None:
    if not _SAFE.match(value):
        raise NotFound(f"no {what} {value!r}")


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)

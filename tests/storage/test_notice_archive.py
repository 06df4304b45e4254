"""Published notice versions are kept immutably and stay retrievable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hippocratic.errors import Conflict, NotFound
from hippocratic.storage.notice_archive import NoticeArchive

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.promise("S0-01", "S0-113", "S0-114")
def test_publishing_v2_leaves_v1_retrievable(tmp_path: Path) -> None:
    archive = NoticeArchive(tmp_path)
    first, new_first = archive.publish("clinic", "1", date(2025, 1, 1), "# v1", "<p>v1</p>", WHEN)
    second, new_second = archive.publish("clinic", "2", date(2026, 1, 1), "# v2", "<p>v2</p>", WHEN)
    assert new_first and new_second
    assert [r.version for r in archive.versions("clinic")] == ["1", "2"]
    assert archive.text("clinic", "1", "md") == "# v1"
    assert archive.text("clinic", "2", "html") == "<p>v2</p>"
    assert first.sha256 != second.sha256
    assert len(first.sha256) == 64


def test_republishing_the_same_content_is_a_no_op(tmp_path: Path) -> None:
    archive = NoticeArchive(tmp_path)
    archive.publish("clinic", "1", date(2025, 1, 1), "# v1", "<p>v1</p>", WHEN)
    record, new = archive.publish("clinic", "1", date(2025, 1, 1), "# v1", "<p>v1</p>", WHEN)
    assert not new
    assert len(archive.versions("clinic")) == 1
    assert record.version == "1"


@pytest.mark.promise("S0-01")
def test_changed_content_under_an_old_version_is_refused(tmp_path: Path) -> None:
    archive = NoticeArchive(tmp_path)
    archive.publish("clinic", "1", date(2025, 1, 1), "# v1", "<p>v1</p>", WHEN)
    with pytest.raises(Conflict) as caught:
        archive.publish("clinic", "1", date(2025, 1, 1), "# edited", "<p>edited</p>", WHEN)
    assert "new version" in (caught.value.hint or "")
    assert archive.text("clinic", "1", "md") == "# v1"


@pytest.mark.parametrize("version", ["../../etc/passwd", "missing"])
def test_unknown_or_unsafe_versions_are_not_found(tmp_path: Path, version: str) -> None:
    with pytest.raises(NotFound):
        NoticeArchive(tmp_path).text("clinic", version, "md")

"""Publishing privacy notices and reading back any version that was ever in force."""

from __future__ import annotations

from pathlib import Path

from hippocratic.domain.clock import Clock, SystemClock
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import render_notice
from hippocratic.storage.notice_archive import NoticeArchive, NoticeRecord

DEFAULT_ARCHIVE = Path("var/notices")


def publish(
    policy: Policy, archive_root: Path = DEFAULT_ARCHIVE, clock: Clock | None = None
) -> tuple[NoticeRecord, bool]:
    """Render the policy's notice and keep it as the version the policy names."""
    archive = NoticeArchive(archive_root)
    return archive.publish(
        policy.organisation.key,
        policy.notice.version,
        policy.notice.effective_date,
        render_notice(policy, "md"),
        render_notice(policy, "html"),
        (clock or SystemClock()).now(),
    )


def history(organisation: str, archive_root: Path = DEFAULT_ARCHIVE) -> list[NoticeRecord]:
    return NoticeArchive(archive_root).versions(organisation)


def version_text(
    organisation: str, version: str, fmt: str, archive_root: Path = DEFAULT_ARCHIVE
) -> str:
    return NoticeArchive(archive_root).text(organisation, version, fmt)

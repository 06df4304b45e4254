"""The sound test policy, and bad copies of it made one precise edit at a time."""

from __future__ import annotations

from pathlib import Path

from hippocratic.policy.problem import Problem
from hippocratic.policy.validator import check_policy

SOUND = Path(__file__).parent / "fixtures" / "sound.yaml"
SOUND_TEXT = SOUND.read_text(encoding="utf-8")


def mutate(directory: Path, old: str, new: str, *, after: str = "") -> tuple[Path, int]:
    """Write a copy of the sound policy with the first ``old`` (after ``after``, if given)
    replaced by ``new``; return the file and the line on which ``new`` starts."""
    start = SOUND_TEXT.index(after) if after else 0
    position = SOUND_TEXT.index(old, start)
    changed = SOUND_TEXT[:position] + new + SOUND_TEXT[position + len(old) :]
    path = directory / "policy.yaml"
    path.write_text(changed, encoding="utf-8")
    return path, changed[:position].count("\n") + 1


def line_of(path: Path, text: str, *, after: str = "") -> int:
    """The line of the first ``text`` in ``path`` (after ``after``, if given)."""
    content = path.read_text(encoding="utf-8")
    start = content.index(after) if after else 0
    return content[: content.index(text, start)].count("\n") + 1


def fired(path: Path, rule: str) -> list[Problem]:
    """The problems ``rule`` finds in ``path``."""
    return [p for p in check_policy(path).problems if p.rule == rule]


def where(path: Path, rule: str) -> list[tuple[int, str]]:
    """(line, key path) of each problem ``rule`` finds in ``path``."""
    return [(p.line, p.path) for p in fired(path, rule)]


def unsound(directory: Path) -> Path:
    """A well-formed copy of the sound policy that ``policy check`` refuses: its advertiser is
    given medical history and is not limited to aggregates (two problems)."""
    path, _ = mutate(
        directory,
        "    categories: [usage]\n    purposes: [ad_measurement]\n    aggregated_only: true\n",
        "    categories: [usage, medical_history]\n    purposes: [ad_measurement]\n",
    )
    return path

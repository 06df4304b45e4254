"""The promise registers shipped beside the policies list every promise of their notice and
every legal duty, once each, with the notice's own words; a register that cannot be true is
refused rather than read as fewer promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.promise_register import load_register, promise_ids, register_path

REPO = Path(__file__).resolve().parents[2]
POLICIES = sorted((REPO / "policies").glob("*.yaml"))


def _analysed(shared: Path) -> dict[str, list[str]]:
    """The ids of the project's promise analysis, by section: S0, S1 and L."""
    ids = re.findall(r"^\| ((?:S\d|L)-\d+) \|", (shared / "promises.md").read_text(), re.M)
    return {prefix: [i for i in ids if i.startswith(prefix + "-")] for prefix in ("S0", "S1", "L")}


@pytest.mark.promise("S1-03")
def test_each_shipped_register_lists_every_promise_of_its_notice_and_every_legal_duty(
    shared_dir: Path,
) -> None:
    analysed = _analysed(shared_dir)
    registers = {load_register(register_path(p)).organisation: load_register(register_path(p))
                 for p in POLICIES}  # fmt: skip
    assert registers["harmonic"].ids() == analysed["S0"] + analysed["L"]
    assert registers["harmony"].ids() == analysed["S1"] + analysed["L"]
    assert len(analysed["S0"]) == 126 and len(analysed["S1"]) == 39 and len(analysed["L"]) == 14
    quotes = {p.id: p.quote for p in registers["harmonic"].promises}
    notice = (shared_dir / "seeds" / "000_6a192cac5a7d44c1.txt").read_text()
    assert "Last updated: 18/11/24" in quotes["S0-01"] and "Last updated: 18/11/24" in notice


def test_a_promise_listed_twice_or_a_key_misspelt_is_refused(tmp_path: Path) -> None:
    entry = "  - id: S1-01\n    quote: q\n    capability: c\n    test: t\n    law: —\n"
    head = "organisation: harmony\npolicy: p.yaml\nnotice: n.txt\npromises:\n"
    twice = tmp_path / "twice.yaml"
    twice.write_text(head + entry + entry)
    with pytest.raises(PolicyInvalid, match="S1-01 is listed twice"):
        load_register(twice)
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text(head + entry.replace("law:", "laws:"))
    with pytest.raises(PolicyInvalid, match=r"not valid at promises\.0"):
        load_register(misspelt)
    with pytest.raises(PolicyInvalid, match="no promise register"):
        load_register(tmp_path / "absent.yaml")


def test_promise_ids_expand_ranges_and_keep_the_order_written() -> None:
    assert promise_ids("S0-07, S0-29..S0-31, D-14, L-08") == [
        "S0-07", "S0-29", "S0-30", "S0-31", "L-08"
    ]  # fmt: skip
    assert promise_ids("S0-54..S0-56 and S0-55 again") == ["S0-54", "S0-55", "S0-56"]
    assert promise_ids("D-01 only, and S0-1 is too short") == []


def test_the_register_lives_in_promises_beside_its_policy() -> None:
    policy = REPO / "policies" / "harmony-healthcare.yaml"
    assert register_path(policy) == REPO / "policies" / "promises" / "harmony-healthcare.yaml"

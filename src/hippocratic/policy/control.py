"""The security-control register: the physical, technical and procedural safeguards the
organisation runs, each with an owner, its evidence and when it is next reviewed (S0-87;
Art. 32(1)(d): "regularly testing, assessing and evaluating"; ISO/IEC 27001:2022 cl. 6.1.3,
the statement of applicability, referenced to Annex A).

Pure: the register is computed for a given day, so an overdue review shows the same way in a
test, in ``hippocratic policy controls --as-of`` and on the day it falls due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from hippocratic.policy.model import Key, PolicyModel, Text
from hippocratic.policy.promise_register import PromiseId

ANNEX_A = {5: 37, 6: 8, 7: 14, 8: 34}
"""ISO/IEC 27001:2022 Annex A: organisational (A.5.1-A.5.37), people (A.6.1-A.6.8), physical
(A.7.1-A.7.14) and technological (A.8.1-A.8.34) controls."""


Iso27701Clause = Annotated[
    str, StringConstraints(pattern=r"^(?:[5-8]|A\.7|B\.8)(?:\.\d{1,2}){1,3}$")
]
"""A clause of ISO/IEC 27701:2019: ``6.9.4`` (logging), ``A.7.2.6`` (contracts with PII
processors)."""


class ControlKind(StrEnum):
    PHYSICAL = "physical"
    TECHNICAL = "technical"
    PROCEDURAL = "procedural"


class Control(PolicyModel):
    key: Key
    title: Text
    kind: ControlKind
    annex_a: str = Field(pattern=r"^A\.[5-8]\.\d{1,2}$")
    """The ISO/IEC 27001:2022 Annex A control it implements, e.g. ``A.8.24``."""
    iso27701: list[Iso27701Clause] = Field(default_factory=list)
    """The ISO/IEC 27701:2019 clauses it also meets: clause 6's guidance that extends ISO/IEC
    27002 (``6.7.1`` cryptography), or a controller's Annex A control (``A.7.2.6``)."""
    promises: list[PromiseId] = Field(default_factory=list)
    """The notice's promises (ids of the promise register) the control helps keep: the evidence
    pack traces it through them to the code and the tests."""
    owner: Key
    """The role (a key of ``roles``) answerable for the control and its review."""
    evidence: Text
    """What shows the control works, as last checked: a record, a report, a command's output."""
    last_reviewed: date
    review_every_months: int = Field(ge=1, le=36)

    @property
    def next_review(self) -> date:
        months = self.last_reviewed.month - 1 + self.review_every_months
        year, month = self.last_reviewed.year + months // 12, months % 12 + 1
        try:
            return self.last_reviewed.replace(year=year, month=month)
        except ValueError:
            return date(year + (month == 12), month % 12 + 1, 1)

    def overdue(self, today: date) -> bool:
        """The review was due before ``today`` (a review due today is not yet late)."""
        return self.next_review < today


def annex_a_known(reference: str) -> bool:
    _, theme, number = reference.split(".")
    return 1 <= int(number) <= ANNEX_A.get(int(theme), 0)


@dataclass(frozen=True)
class ControlStatus:
    """One line of the register as of a day: who owns it, the last evidence, and whether the
    review is overdue (and by how many days)."""

    key: str
    title: str
    kind: str
    annex_a: str
    owner: str
    owner_title: str
    evidence: str
    last_reviewed: date
    next_review: date
    overdue: bool
    days_overdue: int


@dataclass(frozen=True)
class ControlRegister:
    organisation: str
    as_of: date
    controls: list[ControlStatus]

    @property
    def overdue(self) -> list[ControlStatus]:
        return [control for control in self.controls if control.overdue]


def control_register(
    organisation: str,
    controls: list[Control],
    role_titles: dict[str, str],
    as_of: date,
) -> ControlRegister:
    """The register as of ``as_of``: overdue reviews first, then by the next review date."""
    rows = [
        ControlStatus(
            c.key,
            c.title,
            c.kind.value,
            c.annex_a,
            c.owner,
            role_titles.get(c.owner, c.owner),
            c.evidence,
            c.last_reviewed,
            c.next_review,
            c.overdue(as_of),
            max(0, (as_of - c.next_review).days),
        )
        for c in controls
    ]
    rows.sort(key=lambda row: (not row.overdue, row.next_review, row.key))
    return ControlRegister(organisation, as_of, rows)

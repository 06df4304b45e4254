"""The release report a DPO signs off: what was done, what it achieved, what a person must judge."""

from __future__ import annotations

from pydantic import BaseModel

MOTIVATED_INTRUDER = [
    "Could someone who knows a patient (a relative, a colleague, a neighbour) pick out their row "
    "from the quasi-identifiers released?",
    "Is there public or purchasable data (electoral register, social media, press reports) that "
    "could be linked to these columns?",
    "Do any rare combinations remain that would stand out in a small community or clinic?",
    "Could the sensitive values be inferred for a whole class (all rows in a class sharing one "
    "value)?",
    "Who will receive the release, under what agreement, and what would they gain by trying?",
]


class LevelChosen(BaseModel):
    column: str
    level: int
    height: int
    example: str


class IdentifierOverride(BaseModel):
    """A recognised direct identifier the DPO let through, and why."""

    column: str
    kind: str
    recognised_by: str
    """``name``, ``policy`` or ``content``."""
    detail: str
    reason: str
    by: str | None = None


class IntruderQuestion(BaseModel):
    question: str
    answer: str = "to be completed by the reviewer"
    reviewer: str | None = None


class ReleaseReport(BaseModel):
    project: str
    models: dict[str, float | int | None]
    rows_in: int
    rows_out: int
    rows_suppressed: int
    suppression_share: float
    achieved_k: int
    achieved_l: int | None
    information_loss: float
    loss_metric: str
    levels: list[LevelChosen]
    removed: list[str]
    pseudonymised: list[str]
    identifier_overrides: list[IdentifierOverride] = []
    lattice_nodes: int
    lattice_evaluated: int
    motivated_intruder: list[IntruderQuestion]

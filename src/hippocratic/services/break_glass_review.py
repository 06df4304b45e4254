"""The DPO's review of every break-glass use: who opened which record without a care
relationship, when and why, and what the DPO found (recorded, and itself audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.services import oversight
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.storage.care import ReviewItemRow


@dataclass(frozen=True)
class BreakGlassUse:
    item_id: str
    actor: str
    subject_id: str | None
    reason: str
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


def _shown(row: ReviewItemRow) -> BreakGlassUse:
    return BreakGlassUse(
        row.item_id,
        row.actor,
        row.subject_id,
        row.detail,
        row.created_at,
        row.resolved_at,
        row.resolved_by,
        row.resolution,
    )


class BreakGlassReviews(ClinicService):
    def queue(self, *, include_resolved: bool = False) -> list[BreakGlassUse]:
        """Every break-glass use awaiting review, oldest first (DPO roles only, audited)."""
        rows: list[ReviewItemRow] = []
        with self.store.sessions.begin() as session:
            decision = oversight.check(self, session, "the break-glass review queue")
            if decision.allowed:
                query = select(ReviewItemRow).where(
                    ReviewItemRow.organisation_id == self.organisation,
                    ReviewItemRow.kind == "break_glass",
                )
                if not include_resolved:
                    query = query.where(ReviewItemRow.resolved_at.is_(None))
                rows = list(session.scalars(query.order_by(ReviewItemRow.created_at)))
        if not decision.allowed:
            raise refusal(decision)
        return [_shown(row) for row in rows]

    def resolve(self, item_id: str, finding: str) -> BreakGlassUse:
        """Record what the review found (justified, or not and what was done)."""
        note = text(finding, "finding", max_length=2000)
        if not note:
            raise InputError("say what the review found", field="finding")
        with self.store.sessions.begin() as session:
            row = session.get(ReviewItemRow, (self.organisation, item_id))
            if row is None or row.kind != "break_glass":
                raise NotFound(f"no break-glass use {item_id}", field="id")
            if row.resolved_at is not None:
                raise InputError("this use was already reviewed", field="id")
            decision = oversight.check(self, session, f"break-glass review: {note}", row.subject_id)
            if decision.allowed:
                row.resolved_at, row.resolved_by, row.resolution = (
                    self.store.clock.now(),
                    self.actor.actor,
                    note,
                )
        if not decision.allowed:
            raise refusal(decision)
        return _shown(row)

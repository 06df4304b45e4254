"""A parent asking for a child's record (L-07): from 12 a child may be competent to decide
for themselves (Gillick competence; in Scotland the law presumes it from 12), so a parent's
access request for a patient aged 12 to 17 goes to a clinician first. The clinician records,
acting in their care role, whether the child is competent and, if so, whether they agree to
their parent seeing it; the package cannot be checked or released until they have, and a
competent child's no stops it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.services.access_release import WITHHOLDING, AccessRelease
from hippocratic.services.child_competence import (
    CHILD_AGREES,
    CHILD_DECLINES,
    COMPETENCE_ITEM,
    COMPETENCE_KIND,
    PARENT_MAY,
)
from hippocratic.services.rights_request import RightsRequest, StepStatus
from hippocratic.storage.rights_request import RightsRequestRow, RightsWithholdingRow


class ChildAccess(AccessRelease):
    def competence(
        self, request_id: str, *, competent: bool, child_agrees: bool, reason: str
    ) -> RightsRequest:
        """The clinician's decision on a parent's request for a child aged 12 to 17; their
        reasoning is kept sealed under the child's key with the request's redaction log."""
        role = self.compiled.roles.get(self.actor.role)
        if role is None or not role.care_relationship_required:
            raise AccessDenied("a clinician decides whether a child is competent")
        why = text(reason, "reason")
        if len(why) < 20:
            raise InputError("record how you judged the child's understanding", field="reason")
        purpose = self.capacity()
        name = PARENT_MAY if not competent else (CHILD_AGREES if child_agrees else CHILD_DECLINES)

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.requester != "parent":
                raise Conflict("this request is not from a parent")
            session.merge(
                RightsWithholdingRow(
                    organisation_id=self.organisation,
                    request_id=request_id,
                    item=COMPETENCE_ITEM,
                    kind=COMPETENCE_KIND,
                    reason=self.seal(row.subject_id, WITHHOLDING, f"{request_id}/competence", why),
                    by=self.actor.actor,
                    at=self.now(),
                )
            )
            self.step(session, request_id, name, StepStatus.DONE, f"decided by {self.actor.actor}")
            if not competent:
                return "clinician: the child is not yet competent to decide; the parent may see it"
            return "clinician: the child is competent and " + (
                "agrees to their parent seeing it" if child_agrees else "does not agree"
            )

        return self._change(request_id, "competence", change, purpose)

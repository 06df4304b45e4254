"""When a parent's access request needs a clinician's decision first (L-07): a patient aged
12 to 17 may be competent to decide for themselves (Gillick competence). Pure: read from the
package as built and the request's log (``child_access`` records the decision)."""

from __future__ import annotations

from datetime import date

from hippocratic.domain.calendar import age_on
from hippocratic.services.access_package import AccessPackage
from hippocratic.services.rights_request import Step, StepStatus

COMPETENCE_ITEM = "competence"
COMPETENCE_KIND = "competence"
"""The clinician's reasoning, kept sealed with the request's redaction log."""
COMPETENCE_AGE = 12
ADULT = 18
PARENT_MAY = "competence:parent_may_see"
CHILD_AGREES = "competence:child_agrees"
CHILD_DECLINES = "competence:child_declines"


def needs_clinician(package: AccessPackage, requester: str, today: date) -> bool:
    """A parent's request for a patient aged 12 to 17 on the day it is checked."""
    if requester != "parent":
        return False
    born = next((row["value"] for row in package.details if row["key"] == "date_of_birth"), "")
    try:
        age = age_on(date.fromisoformat(born), today)
    except ValueError:
        return True  # no readable date of birth: a clinician decides rather than guessing
    return COMPETENCE_AGE <= age < ADULT


def competence_block(steps: tuple[Step, ...] | list[Step]) -> str | None:
    """Why the package may not go to the parent yet, from the clinician's last decision."""
    decided = [
        s.name for s in steps if s.name.startswith("competence:") and s.status is StepStatus.DONE
    ]
    if not decided:
        return "a clinician decides first whether the child is competent to decide (L-07)"
    if decided[-1] == CHILD_DECLINES:
        return "the child is competent and does not agree: answer the parent with a refusal"
    return None

"""Retention rules as the policy file states them; the calculus lives in ``domain``.

A rule names the record type it governs, the event that starts its clock, how long the record
is kept, what happens at expiry, and why (rationale plus a citation of its source). Periods are
minimums: a policy may lengthen a Code period with a stated justification, never shorten it.
Where the organisation has promised its patients a maximum (``promised_max``), the period may
not be longer than that promise.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text


class RetentionTrigger(StrEnum):
    LAST_SEEN = "last_seen"
    """The last attended clinical encounter or report issue (D-33); missed bookings don't count."""
    END_OF_TREATMENT = "end_of_treatment"
    DEATH = "death"
    BIRTHDAY = "birthday"
    """A birthday of the patient, e.g. the 25th for children's records."""
    OPT_OUT = "opt_out"
    COLLECTION = "collection"
    """The date the data was collected or the record created."""
    LAST_INTERACTION = "last_interaction"
    FINANCIAL_YEAR_END = "financial_year_end"


class RetentionAction(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    REVIEW = "review"
    """Open a review at expiry: retain with a recorded reason, or destroy with a certificate."""


class RetentionRationale(StrEnum):
    LEGAL = "legal"
    HEALTHCARE = "healthcare"
    OPERATIONAL = "operational"


class Period(PolicyModel):
    years: int = Field(default=0, ge=0, le=150)
    months: int = Field(default=0, ge=0, le=1200)
    days: int = Field(default=0, ge=0, le=36500)

    def is_zero(self) -> bool:
        return self.years == 0 and self.months == 0 and self.days == 0


class RetentionPromise(PolicyModel):
    """The longest an organisation has promised its patients to keep a kind of data."""

    period: Period
    promise: Text
    """Where the promise is made, in the words the patient read (notice, version, sentence)."""


class RetentionRule(PolicyModel):
    key: Key
    title: Text
    record_type: Key
    """What kind of record this governs, e.g. ``adult_health_record``, ``maternity_record``."""
    trigger: RetentionTrigger
    duration: Period | None = None
    """How long after the trigger; absent for ``opt_out`` and ``birthday`` rules."""
    birthday: int | None = Field(default=None, ge=1, le=120)
    """For ``birthday`` rules: keep until this birthday (25 for children's records)."""
    birthday_if_17_at_end: int | None = Field(default=None, ge=1, le=120)
    """Keep until this birthday instead if the patient was 17 when treatment ended (26)."""
    after_death: Period | None = None
    """Where death starts the clock; never shortens a period that would otherwise run longer."""
    restart_on_reuse: bool = True
    """The period starts again when the record comes back into use (NHS RM Code App. II)."""
    action: RetentionAction
    rationale: RetentionRationale | None = None
    citation: str | None = None
    """Where the period comes from, e.g. a row of NHS RM Code of Practice 2023, Appendix II."""
    source: Key | None = None
    """The key of a known legal source, so the engine can say whether it is verified."""
    extension_justification: str | None = None
    """Why the period is longer than its source's minimum, where it is."""
    promised_max: RetentionPromise | None = None
    """This organisation's own promised maximum: ``duration`` may not be longer."""
    notice_text: str | None = None
    """How the privacy notice words this rule for patients; generated when absent."""

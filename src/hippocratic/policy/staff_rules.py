"""Rules for the organisation's own staff accounts: how long data-security training lasts.

Every role in a policy sees at least one category of patients' personal data, so every
account needs a signed confidentiality agreement and current training before it can sign in
or act through an API token it issued (L-13; Art. 32(4); ISO/IEC 27001:2022 A.6.3, A.6.6).
The NHS Data Security and Protection Toolkit expects the training every year.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from hippocratic.policy.model import PolicyModel

ANNUAL = 12
"""Months: the DSPT's yearly data-security awareness training."""


class StaffRules(PolicyModel):
    training_valid_months: int = Field(default=ANNUAL, ge=1, le=36)
    """How long a training date stays current; past it, access is suspended until renewed."""

    def training_expires(self, completed: date) -> date:
        """The first day the training no longer counts (the same day ``months`` later, or the
        first of the next month where that day does not exist)."""
        months = completed.month - 1 + self.training_valid_months
        year, month = completed.year + months // 12, months % 12 + 1
        try:
            return completed.replace(year=year, month=month)
        except ValueError:
            return date(year + (month == 12), month % 12 + 1, 1)

"""The organisation's financial year end: the day and month its accounting periods end (a
company's accounting reference date, as Companies House records it). HMRC's rule for a
company's records runs "6 years from the end of the last company financial year they relate
to", so a payment's retention starts on the end of the financial year it falls in.

Written in the policy as ``MM-DD`` (``"03-31"`` for 31 March). 29 February is refused: a year
end must fall in every year, and a company with one in a leap year ends on 28 February in the
others."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PATTERN = re.compile(r"(\d{2})-(\d{2})")


@dataclass(frozen=True, order=True)
class YearEnd:
    month: int
    day: int

    def __post_init__(self) -> None:
        if (self.month, self.day) == (2, 29):
            raise ValueError("a financial year cannot end on 29 February: use 02-28")
        date(2001, self.month, self.day)  # raises ValueError for a day the month lacks

    @classmethod
    def parse(cls, text: str) -> YearEnd:
        match = PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a day and month written MM-DD, e.g. 03-31")
        try:
            return cls(int(match[1]), int(match[2]))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a day of the year: {exc}") from None

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def ending(self, day: date) -> date:
        """The end of the financial year ``day`` falls in: the first year end on or after it."""
        this_year = self.in_year(day.year)
        return this_year if day <= this_year else self.in_year(day.year + 1)

    def last_on_or_before(self, day: date) -> date:
        """The latest year end on or before ``day``. A record dated on or before it is in a
        year that ended by ``day``; one dated after it is not (``ending`` is non-decreasing)."""
        this_year = self.in_year(day.year)
        return this_year if this_year <= day else self.in_year(day.year - 1)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"

"""England and Wales bank holidays as published, for checking the package and the clocks."""

from __future__ import annotations

from datetime import date

# Typed by hand from the gov.uk list of bank holidays in England and Wales (2026-2027 published;
# 2028 and early 2029 derived from the same rules), independent of the package under test.
GOV_UK_BANK_HOLIDAYS = frozenset(
    {
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
        date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17), date(2028, 5, 1),
        date(2028, 5, 29), date(2028, 8, 28), date(2028, 12, 25), date(2028, 12, 26),
        date(2029, 1, 1), date(2029, 3, 30), date(2029, 4, 2), date(2029, 5, 7),
        date(2029, 5, 28),
    }
)  # fmt: skip

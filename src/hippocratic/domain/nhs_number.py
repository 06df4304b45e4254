"""NHS numbers: the modulus 11 check digit, and synthetic numbers from the test range.

Numbers beginning 999 are never issued to patients, so synthetic data cannot collide with a real
person's record.
"""

from __future__ import annotations

import random

TEST_RANGE_PREFIX = "999"


def check_digit(first_nine: str) -> int | None:
    """The tenth digit for these nine, or None where the checksum gives 10 (never issued)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return len(digits) == 10 and check_digit(digits[:9]) == int(digits[9])


def synthetic(rng: random.Random) -> str:
    """A valid NHS number from the 999 test range, formatted 999 123 4567."""
    while True:
        first = TEST_RANGE_PREFIX + f"{rng.randrange(10**6):06d}"
        digit = check_digit(first)
        if digit is not None:
            number = f"{first}{digit}"
            return f"{number[:3]} {number[3:6]} {number[6:]}"

"""NHS number check digits and synthetic test-range numbers."""

from __future__ import annotations

import random

from hippocratic.domain.nhs_number import check_digit, is_valid, synthetic


def test_known_valid_and_invalid_numbers() -> None:
    assert is_valid("943 476 5919")
    assert not is_valid("943 476 5918")
    assert not is_valid("12345")
    assert check_digit("943476591") == 9


def test_synthetic_numbers_are_valid_and_in_the_test_range() -> None:
    rng = random.Random(1)
    for _ in range(200):
        number = synthetic(rng)
        assert number.startswith("999 ")
        assert is_valid(number)

"""Card numbers are found wherever they are written, and ordinary numbers are left alone."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hippocratic.domain.card_number import find_card_number, last_four, luhn_valid

TEST_CARDS = [
    "4111111111111111",  # Visa
    "5555555555554444",  # Mastercard
    "378282246310005",  # American Express, 15 digits
    "6011111111111117",  # Discover
    "3056930009020004",  # Diners, 16
    "4111111111111111110",  # 19 digits
]


def _luhn_complete(prefix: str) -> str:
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError


@pytest.mark.promise("S0-86")
@pytest.mark.parametrize("card", TEST_CARDS)
@pytest.mark.parametrize(
    "written",
    [
        "{card}",
        "card {card} please",
        "{spaced}",
        "{dashed}",
        "pay with {spaced} exp 12/27",
        "{spaced} 1227",
        "note:{card}.",
    ],
)
def test_a_card_number_is_found_however_it_is_written(card: str, written: str) -> None:
    spaced = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    text = written.format(card=card, spaced=spaced, dashed=spaced.replace(" ", "-"))
    assert find_card_number(text)


@pytest.mark.promise("S0-86")
@given(st.integers(min_value=12, max_value=18), st.randoms())
def test_every_luhn_valid_run_of_13_to_19_digits_is_a_card(length: int, rng: random.Random) -> None:
    prefix = "".join(rng.choice("0123456789") for _ in range(length))
    assert find_card_number(f"ref {_luhn_complete(prefix)} end")


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # fails the Luhn check
        "999 000 0018",  # an NHS number
        "+44 7700 900123",
        "020 7946 0958",
        "2026-12-05T10:30:00+00:00",
        "readings 120 80 118 79 122 81 120 80 119 78",
        "a1b2c3d4-1234-5678-9012-123456789012",  # a UUID with digit groups
        "41111111111111111111111",  # 23 digits: too long for a card
        "3f4111111111111111a9c0",  # digits inside a hex token (a CSRF token, a hash)
        "4111111111111111e2b7",  # a token that starts with digits
        "",
    ],
)
def test_ordinary_numbers_are_not_cards(text: str) -> None:
    assert not find_card_number(text)


@given(st.binary(min_size=32, max_size=32))
def test_a_hex_token_is_never_a_card(raw: bytes) -> None:
    """A session's CSRF token or a SHA-256 in a form must not be refused by chance."""
    assert not find_card_number(f"csrf={raw.hex()}&code=123456")


@pytest.mark.promise("S0-85")
def test_only_the_last_four_digits_are_kept() -> None:
    assert last_four("4111 1111 1111 1234") == "1234"

"""Payment card numbers (PANs) found anywhere in text, so they can be refused before anything
is stored or logged (PCI DSS v4.0 3.3.1, 3.5.1; S0-86).

A card number is 13 to 19 digits that pass the Luhn check, written straight or in groups split
by single spaces or dashes (``4111 1111 1111 1111``, ``4111-1111-1111-1111``). Identifiers that
only look like digit runs are set aside first: a UUID's groups are hexadecimal ids, never
cards, and joining them could otherwise pass the check by chance.
"""

from __future__ import annotations

import re

MIN_DIGITS = 13
MAX_DIGITS = 19

_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ -]\d+)*(?![0-9A-Za-z])")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn_valid(digits)


def _grouped_card(groups: list[str]) -> bool:
    """Cards are written in groups that start with four digits and go on in groups of three to
    six (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3); any such stretch of a longer run is checked, so a
    card followed by its expiry date is still found, while lists of short numbers are not."""
    for start, first in enumerate(groups):
        if len(first) != 4:
            continue
        digits = first
        for group in groups[start + 1 :]:
            if not 3 <= len(group) <= 6 or len(digits) + len(group) > MAX_DIGITS:
                break
            digits += group
            if _is_card(digits):
                return True
    return False


def find_card_number(text: str) -> bool:
    """True if ``text`` holds a Luhn-valid card number anywhere in it."""
    if len(text) < MIN_DIGITS:
        return False
    text = _UUID.sub(" ", text)
    for match in _RUN.finditer(text):
        groups = re.split(r"[ -]", match.group())
        if any(_is_card(group) for group in groups) or _grouped_card(groups):
            return True
    return False


def last_four(card: str) -> str:
    """The last four digits of a card number, the most PCI DSS allows to be shown (3.4.1)."""
    digits = re.sub(r"\D", "", card)
    return digits[-4:]

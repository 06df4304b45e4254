"""Keyed blind indexes: exact-match search over encrypted identifiers without decrypting rows.

The index of a value is ``HMAC-SHA-256(organisation index key, field | normalised value)``. The
key is per organisation (wrapped by the master key, apart from the data keys), so the same NHS
number indexes differently in two organisations and nobody without the key can test guesses.
Normalisation makes formatting irrelevant: an NHS number is its digits, an email is trimmed and
lower-cased, a phone number is E.164 (``phonenumbers``, UK numbers by default).
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers

from hippocratic.errors import InputError

DEFAULT_REGION = "GB"


def identifier_kind(field: str) -> str:
    """``nhs_number``, ``email``, ``phone`` or ``text``, from the field's name."""
    name = field.lower()
    if "nhs" in name:
        return "nhs_number"
    if "email" in name:
        return "email"
    if "phone" in name or "mobile" in name:
        return "phone"
    return "text"


def normalise(field: str, value: str) -> str:
    """The canonical form of an identifier, so that formatting never defeats a lookup."""
    text = value.strip()
    kind = identifier_kind(field)
    if kind == "nhs_number":
        return re.sub(r"\D", "", text)
    if kind == "email":
        return text.lower()
    if kind == "phone":
        try:
            number = phonenumbers.parse(text, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            raise InputError(f"{field}: {value!r} is not a phone number", field=field) from None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return " ".join(text.split()).casefold()


def blind_index(key: bytes, field: str, value: str) -> bytes:
    """The 32-byte index of ``value`` in ``field`` under an organisation's index key."""
    message = f"{field}\x1f{normalise(field, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()

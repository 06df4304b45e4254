"""Checking and normalising what people type into a record, with the field's own libraries:
email addresses (``email-validator``), phone numbers (``phonenumbers``), NHS numbers
(``nhs-number``), dates of birth, and free text, which may never hold a payment card number.

Each check returns the value in its stored form or raises ``InputError`` naming the field, what
is wrong and how to write it; a card number raises ``CardNumberRefused``, whose message never
repeats the number.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

import email_validator
import phonenumbers
from nhs_number import validate as nhs_checksum

from hippocratic.domain.card_number import find_card_number
from hippocratic.errors import CardNumberRefused, InputError

DEFAULT_REGION = "GB"
MAX_TEXT = 20_000
"""Characters in one free-text value: a long letter fits; a pasted file does not."""
EARLIEST_BIRTH = date(1900, 1, 1)
OFCOM_DRAMA_MOBILES = re.compile(r"^\+447700900\d{3}$")
"""07700 900000 to 900999, reserved by Ofcom for drama and tests: never a real person's phone,
so synthetic records use them, though ``phonenumbers`` does not count them as issued."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")


class DetailKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    TEXT = "text"


def refuse_card_number(text: str, field: str) -> None:
    """``CardNumberRefused`` if ``text`` holds a card number (the number is never echoed)."""
    if find_card_number(text):
        raise CardNumberRefused(
            f"{field} looks like it holds a payment card number, which is never stored here",
            field=field,
            hint="remove the card number; card payments are taken by the card provider and "
            "only the last four digits are kept",
        )


def text(value: str, field: str, *, max_length: int = MAX_TEXT) -> str:
    """Free text, stripped: no control characters, no card numbers, at most ``max_length``."""
    cleaned = value.strip()
    if _CONTROL.search(cleaned):
        raise InputError(f"{field} contains control characters", field=field)
    if len(cleaned) > max_length:
        raise InputError(
            f"{field} is {len(cleaned):,} characters; the most is {max_length:,}", field=field
        )
    refuse_card_number(cleaned, field)
    return cleaned


def email(value: str, field: str) -> str:
    try:
        return str(
            email_validator.validate_email(value.strip(), check_deliverability=False).normalized
        )
    except email_validator.EmailNotValidError as exc:
        raise InputError(
            f"{field}: not an email address ({exc})", field=field, hint="e.g. ada@example.org"
        ) from None


def phone(value: str, field: str) -> str:
    """In international format, e.g. ``+44 20 7946 0958``; UK numbers may omit +44."""
    refuse_card_number(value, field)
    try:
        number = phonenumbers.parse(value.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""
    if number is None or not (
        phonenumbers.is_valid_number(number) or OFCOM_DRAMA_MOBILES.match(e164)
    ):
        raise InputError(
            f"{field}: {value.strip()!r} is not a phone number that can be dialled",
            field=field,
            hint="e.g. 020 7946 0958, or +33 1 23 45 67 89 for a number outside the UK",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def nhs(value: str, field: str) -> str:
    """Ten digits with a valid check digit, formatted ``999 000 0018``."""
    digits = re.sub(r"[\s-]", "", value)
    if not (len(digits) == 10 and digits.isdigit() and nhs_checksum.is_valid(digits)):
        raise InputError(
            f"{field}: {value.strip()!r} is not a valid NHS number",
            field=field,
            hint="ten digits whose last is the check digit, e.g. 943 476 5919",
        )
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def iso_date(value: str, field: str) -> date:
    """A calendar date written YYYY-MM-DD; dd/mm/yyyy is named as such, so nobody guesses."""
    day_first = _DAY_FIRST.match(value)
    if day_first:
        day, month, year = day_first.groups()
        raise InputError(
            f"{field}: {value.strip()!r} looks like a day-first date; dates are written YYYY-MM-DD",
            field=field,
            hint=f"write {year}-{int(month):02d}-{int(day):02d} if you mean "
            f"{int(day)} {_month_name(int(month))} {year}",
        )
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{field}: {value.strip()!r} is not a date that exists",
            field=field,
            hint="use YYYY-MM-DD, e.g. 2026-09-03",
        ) from None


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B") if 1 <= month <= 12 else f"month {month}"


def date_of_birth(value: str, field: str, today: date) -> str:
    born = iso_date(value, field)
    if born > today:
        raise InputError(f"{field}: {born.isoformat()} is in the future", field=field)
    if born < EARLIEST_BIRTH:
        raise InputError(f"{field}: {born.isoformat()} is before 1900", field=field)
    return born.isoformat()


def clean(kind: DetailKind, value: str, field: str, today: date) -> str:
    """The value in its stored form, checked as ``kind`` requires."""
    if not isinstance(value, str):
        raise InputError(f"{field} must be text", field=field)
    if kind is DetailKind.EMAIL:
        return email(value, field)
    if kind is DetailKind.PHONE:
        return phone(value, field)
    if kind is DetailKind.NHS_NUMBER:
        return nhs(value, field)
    if kind is DetailKind.DATE_OF_BIRTH:
        return date_of_birth(value, field, today)
    return text(value, field)

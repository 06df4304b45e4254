"""What people type is checked by the field's own library and stored in one form; a bad value
names the field, what is wrong and how to write it."""

from __future__ import annotations

from datetime import date

import pytest

from hippocratic.domain.personal_detail import DetailKind, clean
from hippocratic.errors import CardNumberRefused, InputError

TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (DetailKind.EMAIL, "  Ada@Example.org ", "Ada@example.org"),
        (DetailKind.PHONE, "020 7946 0958", "+44 20 7946 0958"),
        (DetailKind.PHONE, "07700 900123", "+44 7700 900123"),  # Ofcom's drama range
        (DetailKind.PHONE, "+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        (DetailKind.NHS_NUMBER, "9434765919", "943 476 5919"),
        (DetailKind.NHS_NUMBER, "999-000-0018", "999 000 0018"),
        (DetailKind.DATE_OF_BIRTH, "1980-09-03", "1980-09-03"),
        (DetailKind.TEXT, "  Asthma since childhood\n", "Asthma since childhood"),
    ],
)
def test_good_values_are_stored_in_one_form(kind: DetailKind, typed: str, stored: str) -> None:
    assert clean(kind, typed, "field", TODAY) == stored


@pytest.mark.promise("S1-06")
@pytest.mark.parametrize(
    ("kind", "typed", "says"),
    [
        (DetailKind.EMAIL, "ada@", "not an email address"),
        (DetailKind.EMAIL, "ada@@example.org", "not an email address"),
        (DetailKind.PHONE, "12345", "not a phone number"),
        (DetailKind.PHONE, "call me", "not a phone number"),
        (DetailKind.NHS_NUMBER, "9434765918", "not a valid NHS number"),
        (DetailKind.NHS_NUMBER, "94347659", "not a valid NHS number"),
        (DetailKind.DATE_OF_BIRTH, "1980-02-30", "not a date that exists"),
        (DetailKind.DATE_OF_BIRTH, "2027-01-01", "in the future"),
        (DetailKind.DATE_OF_BIRTH, "1850-01-01", "before 1900"),
        (DetailKind.TEXT, "bell\x07", "control characters"),
        (DetailKind.TEXT, "x" * 20_001, "the most is 20,000"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    kind: DetailKind, typed: str, says: str
) -> None:
    with pytest.raises(InputError, match=says) as raised:
        clean(kind, typed, "the_field", TODAY)
    assert raised.value.field == "the_field"


def test_a_day_first_date_is_named_with_the_format_expected() -> None:
    with pytest.raises(InputError, match="YYYY-MM-DD") as raised:
        clean(DetailKind.DATE_OF_BIRTH, "03/09/1980", "date_of_birth", TODAY)
    assert raised.value.hint == "write 1980-09-03 if you mean 3 September 1980"


@pytest.mark.promise("S0-86")
@pytest.mark.parametrize("kind", [DetailKind.TEXT, DetailKind.PHONE])
def test_a_card_number_is_refused_without_being_repeated(kind: DetailKind) -> None:
    with pytest.raises(CardNumberRefused) as raised:
        clean(kind, "my card is 4111 1111 1111 1111", "notes", TODAY)
    assert raised.value.code == "input.card_number"
    assert "4111" not in raised.value.message + (raised.value.hint or "")

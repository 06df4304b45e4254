"""Payments keep a processor token and the last four digits, never a card number; bank details
are sealed and shown to billing only, as their last digits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.services.clinic import actor, hire
from tests.services.test_appointments import book

from hippocratic.errors import AccessDenied, CardNumberRefused, InputError
from hippocratic.services.field_value import FieldState
from hippocratic.services.payments import CardPayment, PaymentMethod, Payments
from hippocratic.services.store import Store
from hippocratic.storage.clinic import PaymentRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.mark.promise("S0-85", "S0-86")
def test_a_card_payment_keeps_the_token_and_last_four_only(clinic: Store) -> None:
    appointment = book(clinic)
    billing = Payments(clinic, actor("harmonic", "bill"))
    paid = billing.record(
        appointment.subject_id, PaymentMethod.CARD, 12_500,
        card=CardPayment("tok_1NvQ2xExample", "4242"), appointment_id=appointment.appointment_id,
    )  # fmt: skip
    assert paid.card_last_four.value == "4242" and paid.tokenised
    assert paid.method.value == "card"
    with clinic.sessions() as session:
        row = session.scalars(select(PaymentRow)).one()
        stored = b"".join(bytes(v) for v in (row.method, row.card_last_four, row.processor_token))
    assert b"4242" not in stored and b"tok_" not in stored


@pytest.mark.promise("S0-86")
@pytest.mark.parametrize(
    "card",
    [CardPayment("4111111111111111", "1111"), CardPayment("tok 4111 1111 1111 1111", "1111")],
)
def test_a_card_number_as_the_token_is_refused(clinic: Store, card: CardPayment) -> None:
    subject = book(clinic).subject_id
    with pytest.raises(CardNumberRefused):
        Payments(clinic, actor("harmonic", "bill")).record(
            subject, PaymentMethod.CARD, 100, card=card
        )


def test_bad_payments_are_refused(clinic: Store) -> None:
    subject = book(clinic).subject_id
    billing = Payments(clinic, actor("harmonic", "bill"))
    with pytest.raises(InputError, match="exactly four"):
        billing.record(subject, PaymentMethod.CARD, 100, card=CardPayment("tok_abcdef", "42"))
    with pytest.raises(InputError, match="from 1p"):
        billing.record(subject, PaymentMethod.CASH, 0)
    with pytest.raises(InputError, match="card payment"):
        billing.record(subject, PaymentMethod.CASH, 100, card=CardPayment("tok_abcdef", "4242"))


@pytest.mark.promise("S0-15")
def test_bank_details_are_readable_by_billing_only(clinic: Store) -> None:
    subject = book(clinic).subject_id
    Payments(clinic, actor("harmonic", "bill")).record(
        subject, PaymentMethod.BANK_TRANSFER, 9_900, bank_details="20-00-00 55779911"
    )
    shown = Payments(clinic, actor("harmonic", "bill")).for_patient(subject).items[0]
    assert shown.bank_details.state is FieldState.MASKED
    assert shown.bank_details.value.endswith("9911") and "5577" not in shown.bank_details.value
    for who in ("rita", "mo", "sam"):
        with pytest.raises(AccessDenied):
            Payments(clinic, actor("harmonic", who)).for_patient(subject)

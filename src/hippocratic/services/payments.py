"""Payments: the method, the amount, a card processor's token and the card's last four digits,
never the card number (S0-85, S0-86; PCI DSS v4.0 3.3.1, 3.4.1); bank details sealed and shown
only to roles the policy lets read payment data (billing), and then only their last digits.

A card number offered anywhere (the token, the bank details, any text) is refused before
anything is decided, stored or logged.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import refuse_card_number, text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.record_binding import PaymentBinding
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.field_value import FieldValue
from hippocratic.services.page import Page
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import AppointmentRow, PaymentRow

TOKEN = re.compile(r"^[A-Za-z0-9_\-:.]{6,200}$")
"""A processor's token (e.g. ``tok_1Nv...``, ``pm_...``): opaque, and never digits alone."""
CURRENCIES = frozenset({"GBP", "EUR", "USD"})
MAX_PENCE = 10_000_000
"""£100,000: more than any single payment a small clinic takes; larger is a typing error."""


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    INSURER = "insurer"
    CASH = "cash"


class PaymentStatus(StrEnum):
    AUTHORISED = "authorised"
    PAID = "paid"
    REFUNDED = "refunded"
    FAILED = "failed"


@dataclass(frozen=True)
class CardPayment:
    processor_token: str
    last_four: str


@dataclass(frozen=True)
class Payment:
    payment_id: str
    subject_id: str
    appointment_id: str | None
    method: FieldValue
    card_last_four: FieldValue | None
    tokenised: bool
    """The card provider holds the card; we keep only its token (never shown: it is for the
    provider's refunds, not for people)."""
    bank_details: FieldValue | None
    amount_pence: int
    currency: str
    status: PaymentStatus
    taken_at: datetime
    taken_by: str


class Payments(ClinicService):
    def record(
        self,
        subject: str,
        method: PaymentMethod,
        amount_pence: int,
        *,
        currency: str = "GBP",
        card: CardPayment | None = None,
        bank_details: str | None = None,
        appointment_id: str | None = None,
        status: PaymentStatus = PaymentStatus.PAID,
        request_id: str | None = None,
    ) -> Payment:
        binding: PaymentBinding = self.binding("payment")
        if not 1 <= amount_pence <= MAX_PENCE:
            raise InputError("an amount is from 1p to £100,000, in pence", field="amount_pence")
        if currency not in CURRENCIES:
            raise InputError(
                f"currency is one of {', '.join(sorted(CURRENCIES))}", field="currency"
            )
        fields = [binding.method_field]
        if (method is PaymentMethod.CARD) != (card is not None):
            raise InputError(
                "a card payment carries the processor's token and the last four digits, and "
                "only a card payment does",
                field="card",
            )
        if card is not None:
            self._check_card(binding, card)
            assert binding.card_field is not None
            fields.append(binding.card_field)
        bank = None
        if bank_details is not None:
            if binding.bank_field is None:
                raise InputError("bank details are not kept here", field="bank_details")
            bank = text(bank_details, "bank_details", max_length=200)
            fields.append(binding.bank_field)
        request = self.request(binding.purpose, subject, fields, Action.CREATE, request_id)
        payment_id = str(uuid.uuid4())
        with self.store.sessions.begin() as session:
            self._check_appointment(session, subject, appointment_id)
            assessment = self.assess(session, request)
            if assessment.decision.allowed and assessment.facts.known:
                seal = self.seal
                row = PaymentRow(
                    organisation_id=self.organisation,
                    payment_id=payment_id,
                    subject_id=subject,
                    appointment_id=appointment_id,
                    method=seal(subject, binding.method_field, payment_id, method.value),
                    processor_token=(
                        seal(
                            subject, binding.card_field, f"{payment_id}/token", card.processor_token
                        )
                        if card and binding.card_field
                        else None
                    ),
                    card_last_four=(
                        seal(subject, binding.card_field, payment_id, card.last_four)
                        if card and binding.card_field
                        else None
                    ),
                    bank_details=(
                        seal(subject, binding.bank_field, payment_id, bank)
                        if bank is not None and binding.bank_field
                        else None
                    ),
                    amount_pence=amount_pence,
                    currency=currency,
                    status=status.value,
                    taken_at=self.now(),
                    taken_by=self.actor.actor,
                )
                session.add(row)
        self.enforce(assessment, subject)
        return self._shown(row, assessment.decision, self.key(subject))

    def _check_card(self, binding: PaymentBinding, card: CardPayment) -> None:
        if binding.card_field is None:
            raise InputError(
                f"{self.policy.organisation.display_name} takes no card payments here",
                field="card",
            )
        refuse_card_number(card.processor_token, "card.processor_token")
        if not TOKEN.match(card.processor_token) or card.processor_token.isdigit():
            raise InputError(
                "a processor token is the opaque reference the card provider returned",
                field="card.processor_token",
                hint="e.g. tok_1NvQ2x..., never the card number",
            )
        if not re.fullmatch(r"\d{4}", card.last_four):
            raise InputError(
                "the last four digits of the card, exactly four", field="card.last_four"
            )

    def _check_appointment(self, session: Session, subject: str, appointment: str | None) -> None:
        if appointment is None:
            return
        row = session.get(AppointmentRow, (self.organisation, appointment))
        if row is None or row.subject_id != subject:
            raise NotFound(f"no appointment {appointment} for this patient", field="appointment_id")

    def _shown(self, row: PaymentRow, decision: Decision, key: SubjectKey | None) -> Payment:
        binding: PaymentBinding = self.binding("payment")
        subject, pid = row.subject_id, row.payment_id
        method = self.reveal(decision, key, subject, binding.method_field, pid, row.method)
        assert method is not None
        card_field, bank_field = binding.card_field or "", binding.bank_field or ""
        return Payment(
            pid,
            subject,
            row.appointment_id,
            method,
            self.reveal(decision, key, subject, card_field, pid, row.card_last_four),
            row.processor_token is not None,
            self.reveal(decision, key, subject, bank_field, pid, row.bank_details),
            row.amount_pence,
            row.currency,
            PaymentStatus(row.status),
            row.taken_at,
            row.taken_by,
        )

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        request_id: str | None = None,
    ) -> Page[Payment]:
        binding: PaymentBinding = self.binding("payment")
        fields = [f for f in (binding.method_field, binding.card_field, binding.bank_field) if f]
        return self.patient_page(
            subject,
            purpose or binding.purpose,
            fields,
            PaymentRow,
            (PaymentRow.taken_at, PaymentRow.payment_id),
            self._shown,
            cursor,
            limit,
            request_id,
        )

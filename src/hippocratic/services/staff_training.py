"""Confidentiality agreements and data-security training: the gate every staff account with
access to patient data passes before it signs in or acts (L-13; Art. 32(4); ISO/IEC
27001:2022 A.6.3 awareness and training, A.6.6 confidentiality agreements).

An account may be created before either is done (HR creates it on the first day), but it
cannot sign in, keep a session or have its API tokens honoured until both dates are recorded,
and it is suspended again as soon as its training is older than the policy's
``staff.training_valid_months``. Every recording is a security event; so is every refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hippocratic.errors import InputError, NotFound, TrainingRequired
from hippocratic.policy.document import Policy
from hippocratic.services import security_event
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store
from hippocratic.storage.staff import StaffRow


class Clearance(StrEnum):
    """Why an account may not act; the value is the reason on the security event."""

    CONFIDENTIALITY_MISSING = "confidentiality_missing"
    TRAINING_MISSING = "training_missing"
    TRAINING_EXPIRED = "training_expired"


MESSAGES = {
    Clearance.CONFIDENTIALITY_MISSING: "no signed confidentiality agreement is recorded",
    Clearance.TRAINING_MISSING: "no data-security training is recorded",
    Clearance.TRAINING_EXPIRED: "data-security training has expired",
}


@dataclass(frozen=True)
class TrainingRecord:
    organisation: str
    username: str
    confidentiality_signed_at: date | None
    training_completed_at: date | None
    training_expires_on: date | None
    refusal: Clearance | None
    """None when the account may act; otherwise why not."""


def sees_patient_data(policy: Policy, role: str) -> bool:
    """A role the policy grants any category of patients' data (every role does today: a
    role names at least one category). An unknown role sees nothing."""
    spec = policy.role_by_key.get(role)
    return spec is not None and bool(spec.categories)


def refusal(
    policy: Policy,
    role: str,
    confidentiality_signed_at: date | None,
    training_completed_at: date | None,
    today: date,
) -> Clearance | None:
    """Why an account in ``role`` with these dates may not act today, or None."""
    if not sees_patient_data(policy, role):
        return None
    if confidentiality_signed_at is None:
        return Clearance.CONFIDENTIALITY_MISSING
    if training_completed_at is None:
        return Clearance.TRAINING_MISSING
    if policy.staff.training_expires(training_completed_at) <= today:
        return Clearance.TRAINING_EXPIRED
    return None


def refused(reason: Clearance) -> TrainingRequired:
    return TrainingRequired(
        f"this account cannot be used yet: {MESSAGES[reason]}",
        field=reason.value,
        hint="ask your administrator to record it (hippocratic staff training)",
    )


def record_of(store: Store, row: StaffRow) -> TrainingRecord:
    policy = store.policy_of(row.organisation_id)
    trained = row.training_completed_at
    return TrainingRecord(
        row.organisation_id,
        row.username,
        row.confidentiality_signed_at,
        trained,
        policy.staff.training_expires(trained) if trained else None,
        refusal(policy, row.role, row.confidentiality_signed_at, trained, store.clock.now().date()),
    )


def check_dates(store: Store, confidentiality_signed: date | None, trained: date | None) -> None:
    today = store.clock.now().date()
    for name, value in (("confidentiality_signed", confidentiality_signed), ("trained", trained)):
        if value is not None and value > today:
            raise InputError(f"{value.isoformat()} is in the future", field=name)
        if value is not None and value.year < 1990:
            raise InputError(f"{value.isoformat()} is not a plausible date", field=name)


def record(
    store: Store,
    organisation: str,
    username: str,
    *,
    confidentiality_signed: date | None = None,
    trained: date | None = None,
    by: str = OPERATOR,
) -> TrainingRecord:
    """Record a signed agreement and/or a completed training (the dates they happened)."""
    if confidentiality_signed is None and trained is None:
        raise InputError(
            "give the date the confidentiality agreement was signed, or the training date",
            field="trained",
        )
    check_dates(store, confidentiality_signed, trained)
    with store.sessions.begin() as session:
        row = session.get(StaffRow, (organisation, username))
        if row is None:
            raise NotFound(f"no member of staff {username!r} here", field="username")
        said = []
        if confidentiality_signed is not None:
            row.confidentiality_signed_at = confidentiality_signed
            said.append(f"confidentiality signed {confidentiality_signed.isoformat()}")
        if trained is not None:
            if row.training_completed_at is not None and trained < row.training_completed_at:
                raise InputError(
                    f"{username} already has a later training date "
                    f"({row.training_completed_at.isoformat()})",
                    field="trained",
                )
            row.training_completed_at = trained
            said.append(f"trained {trained.isoformat()}")
        security_event.record(
            session,
            store,
            organisation,
            by,
            OPERATOR,
            "staff.training_recorded",
            reason=f"{username}: {', '.join(said)}",
        )
        session.flush()
        return record_of(store, row)

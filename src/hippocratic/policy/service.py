"""The services an organisation offers (the things a patient books), and whether booking one
reveals something about the patient's health (a pregnancy scan does; a gift voucher does not)."""

from __future__ import annotations

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text


class Service(PolicyModel):
    key: Key
    title: Text
    health_revealing: bool
    """Booking it tells anyone who sees the booking something about the patient's health, so it
    is special-category data (D-02): never used for marketing, shown only to those who may see
    health data."""
    duration_minutes: int = Field(default=30, ge=5, le=480)
    """How long an appointment for it usually lasts; a booking may say otherwise."""
    similar: list[Key] = Field(default_factory=list)
    """The organisation's own services similar to this one (PECR reg. 22(3)(b)): where the
    policy allows soft opt-in, a patient who bought this one, was offered the opt-out and did
    not take it may be told about these (and this one) without opting in (S0-42, D-01)."""
    report_field: Key | None = None
    """The clinical-entry field its report is written to (e.g. ``obstetric_report`` for a
    pregnancy scan, which the NHS Code keeps as a maternity record)."""

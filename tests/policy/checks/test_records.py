"""Services and record bindings: every part of a clinic record is a field the notice describes,
kept for a purpose that uses it; clinical entries are health data; a card keeps no number."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.policy.conftest import HARMONIC

from hippocratic.policy.validator import check_policy

TEXT = HARMONIC.read_text(encoding="utf-8")


def _rules(tmp_path: Path, old: str, new: str) -> list[tuple[str, str]]:
    assert TEXT.count(old) == 1, old
    path = tmp_path / "policy.yaml"
    path.write_text(TEXT.replace(old, new), encoding="utf-8")
    return [(p.rule, p.path) for p in check_policy(path).problems]


def test_the_shipped_bindings_are_sound() -> None:
    assert check_policy(HARMONIC).problems == []


@pytest.mark.promise("S0-14")
def test_a_binding_may_only_name_fields_the_policy_defines(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "summary_field: correspondence\n",
        "summary_field: call_transcript\n",
    )
    assert found == [("records.unknown_field", "records.communication.summary_field")]


@pytest.mark.promise("S0-14")
def test_a_bound_field_must_serve_the_bindings_purpose(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "payment: {purpose: payment, method_field: payment_method, card_field: card_number,",
        "payment: {purpose: administration, method_field: payment_method, card_field: card_number,",
    )
    assert ("records.uncovered", "records.payment.method_field") in found
    assert ("records.uncovered", "records.payment.card_field") in found


def test_a_recording_is_checked_against_its_own_purpose(tmp_path: Path) -> None:
    found = _rules(tmp_path, "recording_purpose: call_recording", "recording_purpose: payment")
    assert found == [("records.uncovered", "records.communication.recording_field")]


@pytest.mark.promise("S0-125")
def test_clinical_entries_must_be_special_category_fields(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "fields: [medical_history, pregnancy_details, scan_report, scan_images, obstetric_report]",
        "fields: [medical_history, correspondence]",
    )
    assert ("records.clinical_not_special", "records.clinical_entry.fields[1]") in found


@pytest.mark.promise("S0-86")
def test_a_payments_card_field_must_be_a_card_number_field(tmp_path: Path) -> None:
    found = _rules(tmp_path, "card_field: card_number,", "card_field: bank_details,")
    assert found == [("records.card_field", "records.payment.card_field")]


def test_health_revealing_services_must_be_kept_as_health_data(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "appointment: {purpose: care, service_field: service_booked, form: booking}",
        "appointment: {purpose: care, service_field: postal_address, form: booking}",
    )
    assert found == [("records.service_reveals_health", "records.appointment.service_field")]


def test_a_service_report_goes_to_a_clinical_entry_field(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "    report_field: obstetric_report                 # S0-76",
        "    report_field: correspondence                   # S0-76",
    )
    assert found == [("records.unknown_field", "services[early_pregnancy_scan].report_field")]


def test_unknown_purposes_and_forms_are_named(tmp_path: Path) -> None:
    found = _rules(
        tmp_path,
        "enquiry: {purpose: enquiries, text_field: enquiry_text, form: enquiry}",
        "enquiry: {purpose: questions, text_field: enquiry_text, form: question}",
    )
    assert ("records.unknown_purpose", "records.enquiry.purpose") in found
    assert ("records.unknown_form", "records.enquiry.form") in found

"""The registry of legal sources says which were read in a primary text."""

from __future__ import annotations

from datetime import date

from hippocratic.domain.complaint_deadline import complaint_deadline
from hippocratic.domain.legal_source import SOURCES


def test_verification_follows_the_law_verification_notes() -> None:
    verified = {key for key, source in SOURCES.items() if source.verified}
    assert verified == {
        "ico_time_limits",
        "uk_gdpr_art_33",
        "nhs_rm_code_reuse",
        "finance_act_1998_sch18_para21",
        "organisation_decision",
    }
    assert all(source.note for source in SOURCES.values())


def test_a_partly_verified_commencement_is_not_verified() -> None:
    # s.164A's 30 days were read in the Act, but whether the duty applies at all turns on a
    # commencement date only partly verified, so a complaint deadline is never shown verified.
    source = complaint_deadline(date(2026, 6, 19)).source
    assert source.key == "dpa_2018_s164a"
    assert source.verified is False
    assert "partly verified" in source.note

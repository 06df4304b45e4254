"""The legal sources behind retention rules and clocks, and whether each was read in its primary
form (shared/reference/law-verification.md). A rule can then say how far to trust its number."""

from __future__ import annotations

from dataclasses import dataclass

from hippocratic.policy.retention import Period, RetentionTrigger


@dataclass(frozen=True)
class LegalSource:
    key: str
    citation: str
    verified: bool
    """True only if the value was read in the instrument itself or the regulator's own page."""
    note: str = ""


@dataclass(frozen=True)
class Minimum:
    """The shortest period a source allows for a record type, and the event that starts it."""

    source: str
    triggers: frozenset[RetentionTrigger]
    duration: Period | None = None
    birthday: int | None = None
    birthday_if_17_at_end: int | None = None


SOURCES: dict[str, LegalSource] = {
    source.key: source
    for source in (
        LegalSource(
            "nhs_rm_code_adult_health_record",
            "NHS Records Management Code of Practice 2023, Appendix II: adult health records, "
            "8 years after support ended or the person was last seen",
            False,
            "Appendix II could not be read in primary form; MDU and a schedule copy agree",
        ),
        LegalSource(
            "nhs_rm_code_child_health_record",
            "NHS Records Management Code of Practice 2023, Appendix II: children's records, until "
            "the 25th birthday, or the 26th if 17 at the conclusion of treatment",
            False,
            "secondary sources (MDU, schedule copy); not confirmed that a death shortens it",
        ),
        LegalSource(
            "nhs_rm_code_maternity_record",
            "NHS Records Management Code of Practice 2023, Appendix II: maternity (including "
            "obstetric and pregnancy ultrasound) records, 25 years after care has ceased",
            False,
            "MDU and Independent Practitioner Today describing the 2021 Code",
        ),
        LegalSource(
            "nhs_rm_code_complaints",
            "NHS Records Management Code of Practice 2023, Appendix II: complaints case files, "
            "10 years from closure",
            False,
            "NHS IG guidance table quoting the Code",
        ),
        LegalSource(
            "nhs_rm_code_reuse",
            "NHS Records Management Code of Practice 2023, Appendix II: a record that comes back "
            "into use restarts its retention period",
            True,
            "read in a faithful mirror of Appendix II",
        ),
        LegalSource(
            "hmrc_company_records",
            "HMRC, company and accounting records: 6 years from the end of the last company "
            "financial year they relate to",
            False,
            "gov.uk read through a verbatim copy",
        ),
        LegalSource(
            "limitation_act_1980",
            "Limitation Act 1980 s.5: six years for actions founded on simple contract",
            False,
            "not re-read for this project",
        ),
        LegalSource(
            "organisation_decision",
            "The organisation's own decision, stated in its privacy notice",
            True,
            "the notice itself is the source",
        ),
    )
}

MINIMUMS: dict[str, Minimum] = {
    "adult_health_record": Minimum(
        "nhs_rm_code_adult_health_record",
        frozenset({RetentionTrigger.LAST_SEEN, RetentionTrigger.END_OF_TREATMENT}),
        Period(years=8),
    ),
    "child_health_record": Minimum(
        "nhs_rm_code_child_health_record",
        frozenset({RetentionTrigger.BIRTHDAY}),
        birthday=25,
        birthday_if_17_at_end=26,
    ),
    "maternity_record": Minimum(
        "nhs_rm_code_maternity_record",
        frozenset({RetentionTrigger.END_OF_TREATMENT, RetentionTrigger.LAST_SEEN}),
        Period(years=25),
    ),
    "complaint_record": Minimum(
        "nhs_rm_code_complaints",
        frozenset({RetentionTrigger.LAST_INTERACTION}),
        Period(years=10),
    ),
    "financial_record": Minimum(
        "hmrc_company_records",
        frozenset({RetentionTrigger.FINANCIAL_YEAR_END}),
        Period(years=6),
    ),
}

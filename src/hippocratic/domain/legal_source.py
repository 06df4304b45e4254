"""The legal sources behind every clock and retention period, and whether each was read in its
primary form (shared/reference/law-verification.md), so a result can say how far to trust it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LegalSource:
    key: str
    citation: str
    verified: bool
    """True only if the value was read in the instrument itself or the regulator's own page."""
    note: str = ""


SOURCES: dict[str, LegalSource] = {
    source.key: source
    for source in (
        # Rights requests
        LegalSource(
            "ico_time_limits",
            "ICO guidance, right of access, time limits: from the day of receipt (working day or "
            "not) to the corresponding calendar date in the next month; the last day of that month "
            "if it has none; the next working day if that is a weekend or public holiday; an "
            "extension runs three months from the original start date",
            True,
            "read on ico.org.uk (right-of-access page and SME checklist)",
        ),
        LegalSource(
            "uk_gdpr_art_12a",
            "UK GDPR Art. 12(3) and Art. 12A (Data (Use and Access) Act 2025 s.76, in force 5 "
            "February 2026, SI 2026/82 reg. 2(h)): one month from the latest of receipt of the "
            "request, of requested identity information and of a fee; two further months by "
            "notice within the first month; a clarification period does not count",
            False,
            "Art. 12(3) and the commencement read in primary text; the Art. 12A wording only in "
            "its law-enforcement twin, DPA 2018 s.54(3C)-(3D), and in law-firm notes",
        ),
        LegalSource(
            "england_wales_bank_holidays",
            "Banking and Financial Dealings Act 1971 Sch. 1 and royal proclamations: England and "
            "Wales bank holidays, including substitute days, as the `holidays` package lists them "
            "(country GB, subdivision ENG)",
            False,
            "taken from the package; the tests cross-check it with gov.uk's list for 2026-2027 "
            "and with dates derived from the same rules for 2028 to May 2029",
        ),
        # Breaches
        LegalSource(
            "uk_gdpr_art_33",
            "UK GDPR Art. 33(1): report to the Commissioner without undue delay and, where "
            "feasible, not later than 72 hours after becoming aware; a later report gives reasons "
            "for the delay",
            True,
            "72 hours read on ico.org.uk; the 'reasons for the delay' wording in the EU text",
        ),
        # Telling people about data from someone else
        LegalSource(
            "uk_gdpr_art_14_3",
            "UK GDPR Art. 14(3)(a)-(c): within a reasonable period and at the latest within one "
            "month of obtaining the data; at the latest at the first communication with the "
            "person; at the latest when the data are first disclosed to another recipient",
            False,
            "not re-read for this project",
        ),
        # Complaints
        LegalSource(
            "dpa_2018_s164a",
            "DPA 2018 s.164A(2) (Data (Use and Access) Act 2025 s.103): acknowledge receipt of the "
            "complaint within the period of 30 days beginning when it is received; in force 19 "
            "June 2026 (SI 2026/82 reg. 3)",
            False,
            "the 30 days read in s.103 on legislation.gov.uk; the commencement on 19 June 2026, "
            "which decides whether the duty is statutory, only partly verified (reg. 3 naming "
            "s.103 is confirmed by secondary sources only)",
        ),
        # Retention
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
            "nhs_rm_code_deceased",
            "NHS Records Management Code of Practice 2023, Appendix II: retention begins when the "
            "record ceases to be operational, including when the patient has died (8 years after "
            "death for an adult record)",
            False,
            "the general rule read in a mirror of Appendix II; the 8-year figure is secondary",
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
            "into use restarts its retention period from the end of the second period of use",
            True,
            "read in a faithful mirror of Appendix II",
        ),
        LegalSource(
            "finance_act_1998_sch18_para21",
            "Finance Act 1998 Sch. 18 para 21: company records kept until the sixth anniversary "
            "of the end of the period for which a company tax return may be required",
            True,
            "read on legislation.gov.uk",
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
            "uk_gdpr_art_21_3",
            "UK GDPR Art. 21(3): once a person objects to direct marketing, their data is no "
            "longer processed for it; PECR reg. 22 for electronic marketing",
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

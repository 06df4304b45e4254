"""The website's terms of use (S0-04): "This Notice forms part of our Terms of use". The terms
are versioned with the privacy notice: terms version N incorporates notice version N, links to
that version's permanent address, and a new notice version is a new version of the terms."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from hippocratic.policy.document import Policy


class TermsClause(BaseModel):
    heading: str
    text: str
    link: str | None = None
    link_text: str | None = None


class Terms(BaseModel):
    organisation_key: str
    name: str
    legal_name: str
    version: str
    effective_date: date
    notice_version: str
    notice_url: str
    """The permanent address of the notice version these terms incorporate."""
    versions_url: str
    current: bool
    """Whether this is the version in force (else an earlier one, kept for reference)."""
    clauses: list[TermsClause]


def notice_version_url(organisation: str, version: str) -> str:
    """The permanent address of one version of the privacy notice."""
    return f"/{organisation}/notice/versions/{version}.html"


def terms_url(organisation: str, version: str | None = None) -> str:
    return f"/{organisation}/terms" + (f"/versions/{version}" if version else "")


def build_terms(policy: Policy, version: str | None = None, effective: date | None = None) -> Terms:
    """The terms of ``version`` (default: the notice version in force), incorporating the
    privacy notice of the same version."""
    org = policy.organisation
    current = policy.notice.version
    version = version or current
    effective = effective or policy.notice.effective_date
    website = f" ({org.website})" if org.website else ""
    company = f", company number {org.company_number}" if org.company_number else ""
    email = org.privacy_contact.email
    clauses = [
        TermsClause(
            heading="Who we are",
            text=f"These terms of use apply to the website of {org.display_name}{website}, "
            f"run by {org.legal_name}{company}, {org.registered_office.one_line()}. By using "
            "the website you accept them.",
        ),
        TermsClause(
            heading="Our privacy notice forms part of these terms",
            text=f"Our privacy notice, version {version}, forms part of these terms. It says "
            "what personal information we collect through this website and in the clinic, "
            "why, who we share it with, how long we keep it and what your rights are. Where "
            "these terms and the notice differ about your personal information, the notice "
            "applies.",
            link=notice_version_url(org.key, version),
            link_text=f"Read the privacy notice, version {version}",
        ),
        TermsClause(
            heading="Using the website",
            text="The information on the website is general: it is not medical advice about "
            "you. Please do not send us clinical details through a general enquiry; we will "
            "ask for what we need in a secure way. In an emergency call 999; for urgent advice "
            "call NHS 111.",
        ),
        TermsClause(
            heading="Cookies",
            text="The website sets only the cookies it needs to work unless you agree to more "
            "in the cookie settings, which you can change at any time. The privacy notice "
            "lists every cookie and says which features need which.",
        ),
        TermsClause(
            heading="Changes to these terms",
            text="These terms and the privacy notice are versioned together: each new version "
            "of the notice is a new version of these terms, with the same version number. "
            "Every earlier version stays available.",
        ),
        TermsClause(
            heading="Contact",
            text=f"Questions about these terms or your personal information: {email}.",
        ),
    ]
    return Terms(
        organisation_key=org.key,
        name=org.display_name,
        legal_name=org.legal_name,
        version=version,
        effective_date=effective,
        notice_version=version,
        notice_url=notice_version_url(org.key, version),
        versions_url=f"/{org.key}/notice/versions",
        current=version == current,
        clauses=clauses,
    )

"""Who the controller is and how people reach it (Art. 13(1)(a)-(b), 77)."""

from __future__ import annotations

from datetime import date

from pydantic import EmailStr, Field, HttpUrl, field_validator

from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.model import CountryCode, Key, PolicyModel, Text


class PostalAddress(PolicyModel):
    lines: list[Text] = Field(min_length=1)
    town: Text
    postcode: Text
    country: Text = "United Kingdom"

    def one_line(self) -> str:
        return ", ".join([*self.lines, self.town, self.postcode])


class Contact(PolicyModel):
    """A privacy contact: the Data Protection Officer or, where none is designated, a manager."""

    title: Text
    """How the organisation names the role, e.g. "Data Protection Manager" (D-13)."""
    name: str | None = None
    email: EmailStr
    phone: str | None = None
    post: PostalAddress | None = None


class DataProtectionOfficer(Contact):
    designated: bool
    """True where a DPO is designated under Art. 37; False for a manager with the role (D-13)."""


class SupervisoryAuthority(PolicyModel):
    name: Text = "Information Commissioner's Office"
    website: HttpUrl = HttpUrl("https://ico.org.uk")
    complaint_url: HttpUrl = HttpUrl("https://ico.org.uk/make-a-complaint/")
    phone: str = "0303 123 1113"
    post: PostalAddress | None = None


class Notice(PolicyModel):
    """The notice this policy publishes: its version and the date it takes effect (D-34: ISO)."""

    version: Text
    effective_date: date
    url: HttpUrl | None = None
    previous: list[NoticeVersion] = Field(default_factory=list)


class NoticeVersion(PolicyModel):
    version: Text
    effective_date: date
    summary_of_changes: str | None = None


class Organisation(PolicyModel):
    key: Key
    legal_name: Text
    trading_name: str | None = None
    company_number: str | None = Field(default=None, pattern=r"^(\d{8}|[A-Z]{2}\d{6})$")
    registered_office: PostalAddress
    ico_registration_number: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]\d{6}$")
    """The ICO's registration reference for the data protection fee (Data Protection
    (Charges and Information) Regulations 2018): ``Z`` then a letter or digit and six digits,
    e.g. ``ZA123456`` or ``Z1234567``. Required: a clinic processing health data pays the fee
    (L-11); the notice and the record of processing show it."""
    ico_registration_awaited: str | None = Field(default=None, min_length=10)
    """Only while the number is being confirmed from the ICO's register: why it is not here
    yet and who confirms it. Shown in the record of processing, never in the notice; the
    number itself is what ``policy check`` asks for."""
    website: HttpUrl | None = None
    privacy_contact: Contact
    dpo: DataProtectionOfficer | None = None
    supervisory_authority: SupervisoryAuthority = SupervisoryAuthority()
    standards: list[Text] = Field(default_factory=list)
    """Standards the organisation claims, e.g. ISO/IEC 27001:2022 (S1-03)."""
    permitted_countries: list[CountryCode] = Field(default_factory=lambda: ["GB"])
    """Where personal data may go without an Art. 46 safeguard: the UK and adequate countries."""
    financial_year_end: str | None = None
    """The day and month the organisation's financial year ends, ``MM-DD`` (its accounting
    reference date at Companies House, e.g. ``"03-31"``). Retention rules that run from the
    end of the financial year (HMRC's 6 years for invoices) start there; without it the
    latest possible end (12 months after the record) is assumed and reports flag the rule as
    not verified."""

    @field_validator("financial_year_end")
    @classmethod
    def _year_end_is_a_day(cls, value: str | None) -> str | None:
        if value is not None:
            YearEnd.parse(value)
        return value

    @property
    def year_end(self) -> YearEnd | None:
        return YearEnd.parse(self.financial_year_end) if self.financial_year_end else None

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name


Notice.model_rebuild()

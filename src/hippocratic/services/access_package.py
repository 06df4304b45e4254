"""The answer to a subject access request (Art. 15): everything held about the patient, and the
information the law says goes with it.

Everything is read through the guard under the policy's rights purpose, each kind of record
one audited read: the patient's details by category, appointments, referrals, clinical entries,
communications, payments (card numbers only ever as their last four digits), enquiries and
complaints, every consent event, their rights requests, and who accessed their record, when and
why. With it: the purposes, the recipients, how long each kind of data is kept, where data not
collected from them came from, and how to complain to the ICO. A request scoped to a date range
carries only the records of that range; an item held back (third-party data, the serious-harm
exemption) is left out and listed as withheld, with the exemption named.

Free text that seems to be about someone else (a relative named, another person's email
address or phone number) is flagged for the DPO to redact or keep, with a reason, before the
package can be checked and released (``access_release``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from hippocratic.guard.decision import Action
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import build_notice
from hippocratic.services.access_information import information
from hippocratic.services.appointments import Appointments
from hippocratic.services.automated_decisions import AutomatedDecisions
from hippocratic.services.cases import CaseKind, Cases
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.clinical_entries import ClinicalEntries
from hippocratic.services.communications import Communications
from hippocratic.services.consents import Consents
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.field_value import FieldState, FieldValue
from hippocratic.services.fraud_markers import FraudMarkers, withheld_purposes
from hippocratic.services.page import MAX_LIMIT, Page
from hippocratic.services.payments import Payments
from hippocratic.services.records import Records
from hippocratic.services.rectification import Rectification
from hippocratic.services.referrals import Referrals
from hippocratic.services.third_party_text import Flag, third_party_flags
from hippocratic.storage.ledger_history import history

PACKAGE_VERSION = 1
ACCESS_PAGE = 1000
"""Audit events read per page when the access history is gathered."""


@dataclass(frozen=True)
class Item:
    """One record in a section: its reference (``kind:id``), when it happened, its values."""

    ref: str
    at: str
    values: dict[str, str]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: list[Item]


@dataclass(frozen=True)
class Withheld:
    ref: str
    kind: str
    exemption: str


@dataclass(frozen=True)
class AccessPackage:
    version: int
    organisation: str
    organisation_name: str
    subject: str
    request_id: str
    built_at: str
    scope_from: str | None
    scope_to: str | None
    details: list[dict[str, str]]
    """The patient's own fields: key, category, field (its title), value (or why it is not
    shown)."""
    sections: list[Section]
    information: dict[str, Any]
    """Art. 15(1)-(2): purposes, recipients, retention, sources, rights, the ICO."""
    withheld: list[Withheld] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccessPackage:
        return cls(
            **{
                **data,
                "sections": [
                    Section(s["key"], s["title"], [Item(**item) for item in s["items"]])
                    for s in data["sections"]
                ],
                "withheld": [Withheld(**w) for w in data["withheld"]],
                "flags": [Flag(**f) for f in data["flags"]],
            }
        )

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items


EXEMPTIONS = {
    "third_party": "information about another person (DPA 2018 Sch. 2 para 16)",
    "serious_harm": "health data whose disclosure would be likely to cause serious harm "
    "(DPA 2018 Sch. 3 para 5)",
    "legal": "legal professional privilege (DPA 2018 Sch. 2 para 19)",
}


def held_fields(policy: Policy, purpose: str) -> list[str]:
    """Every field of the purpose's categories a patient's own record may hold (a history
    given at registration included), card numbers aside (never stored)."""
    spec = policy.purpose_by_key[purpose]
    return [
        f.key
        for c in policy.categories
        if c.key in spec.categories
        for f in c.fields
        if not f.card_number
    ]


def shown_text(value: object) -> str:
    """A value as the package prints it: masked values with why, erased ones said so."""
    if isinstance(value, FieldValue):
        if value.state is FieldState.ERASED:
            return "[erased]"
        if value.state is FieldState.MASKED:
            return f"{value.value} ({value.why})" if value.why else str(value.value)
        return value.value or ""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def item_of(kind: str, record: Any, id_field: str, at_field: str) -> Item:
    values = {
        f.name: shown_text(getattr(record, f.name))
        for f in fields(record)
        if f.name not in ("subject_id", "subject", id_field)
    }
    return Item(
        f"{kind}:{getattr(record, id_field)}", shown_text(getattr(record, at_field)), values
    )


def all_pages(read: Callable[[str | None], Page[Any]]) -> list[Any]:
    found: list[Any] = []
    cursor: str | None = None
    while True:
        page = read(cursor)
        found.extend(page.items)
        if page.next is None:
            return found
        cursor = page.next


RECORD_SECTIONS: tuple[tuple[str, str, Any, tuple[str, str]], ...] = (
    ("appointment", "Appointments", Appointments, ("appointment_id", "starts_at")),
    ("referral", "Referrals", Referrals, ("referral_id", "received_at")),
    ("clinical_entry", "Clinical records", ClinicalEntries, ("entry_id", "created_at")),
    ("communication", "Communications", Communications, ("communication_id", "occurred_at")),
    ("payment", "Payments", Payments, ("payment_id", "taken_at")),
)
"""Each kind of clinic record read page by page for the package: its binding in the policy's
``records``, its title, the service reading it, and its id and time attributes."""


class AccessCollector(ClinicService):
    """Gathers one patient's package as this actor (the DPO, or the patient themselves)."""

    def collect(
        self,
        subject: str,
        purpose: str,
        request_id: str,
        scope: tuple[date | None, date | None] = (None, None),
        withheld: Mapping[str, str] = {},
    ) -> AccessPackage:
        """``withheld`` maps item references to the kind of exemption holding them back."""
        mine = Records(self.store, self.actor).read(
            subject, purpose, held_fields(self.policy, purpose)
        )
        category = self.policy.category_of_field
        rows = [
            {
                "key": key,
                "category": category[key].title,
                "field": self.compiled.title("field", key),
                "value": shown_text(value),
            }
            for key, value in mine.items()
        ]
        own = [v.value for k, v in mine.items() if k in ("email", "phone") and v.value]
        sections = [s for s in self._sections(subject, purpose) if s is not None]
        sections.append(self._access_history(subject, purpose))
        start, end = scope
        kept: list[Section] = []
        held: list[Withheld] = []
        flags: list[Flag] = []
        for section in sections:
            items = []
            for item in section.items:
                day = item.at[:10]
                if (start and day < start.isoformat()) or (end and day > end.isoformat()):
                    continue
                if item.ref in withheld:
                    kind = withheld[item.ref]
                    held.append(Withheld(item.ref, kind, EXEMPTIONS.get(kind, kind)))
                    continue
                items.append(item)
                if section.key in FREE_TEXT:
                    for name in FREE_TEXT[section.key]:
                        flags.extend(third_party_flags(item.ref, item.values.get(name, ""), own))
            kept.append(Section(section.key, section.title, items))
        return AccessPackage(
            PACKAGE_VERSION,
            self.organisation,
            self.policy.organisation.display_name,
            subject,
            request_id,
            self.now().isoformat(),
            start.isoformat() if start else None,
            end.isoformat() if end else None,
            rows,
            kept,
            information(
                self.policy,
                build_notice(self.policy),
                mine,
                [i.values for s in sections if s.key == "referral" for i in s.items],
                Disclosures(self.store, self.actor).recipients_of(subject, purpose),
            ),
            held,
            flags,
        )

    def _sections(self, subject: str, purpose: str) -> Iterator[Section | None]:
        store, actor, records = self.store, self.actor, self.policy.records
        for key, title, service, ids in RECORD_SECTIONS:
            if getattr(records, key) is None:
                continue  # a record the organisation does not keep has no section
            reader = service(store, actor)

            def page(cursor: str | None, reader: Any = reader) -> Page[Any]:
                found: Page[Any] = reader.for_patient(subject, purpose, cursor, MAX_LIMIT)
                return found

            found = all_pages(page)
            yield Section(key, title, [item_of(key, record, *ids) for record in found])
        cases = Cases(store, actor)
        for kind, title in ((CaseKind.ENQUIRY, "Enquiries"), (CaseKind.COMPLAINT, "Complaints")):
            if getattr(records, kind.value) is not None:
                found = cases.for_patient(subject, kind, purpose).items
                items = [item_of(kind.value, case, "case_id", "received_at") for case in found]
                yield Section(kind.value, title, items)
        if any(p.automated_decision for p in self.policy.purposes):
            decided = AutomatedDecisions(store, actor).for_patient(subject, purpose)
            yield Section(
                "automated_decision",
                "Decisions made about you automatically",
                [item_of("automated_decision", d, "decision_id", "decided_at") for d in decided],
            )
        corrections = Rectification(store, actor).corrections(subject)
        yield Section(
            "correction",
            "Corrections and your statements",
            [
                Item(
                    f"correction:{c.request_id}/{n}",
                    c.at.isoformat(),
                    {
                        "what": c.title,
                        "kind": c.kind,
                        "was": shown_text(c.before),
                        "now": shown_text(c.after),
                        "about": c.target if c.kind == "statement" else "",
                    },
                )
                for n, c in enumerate(corrections, 1)
            ],
        )
        if records.fraud_marker is not None:
            markers = FraudMarkers(store, actor).disclosable(subject, purpose)
            yield Section(
                "fraud_marker",
                "Records of suspected fraud",
                [item_of("fraud_marker", m, "marker_id", "recorded_at") for m in markers],
            )
        consents = Consents(store, actor).history(subject, purpose)
        yield Section(
            "consent",
            "Consents given and withdrawn",
            [item_of("consent", event, "event_id", "at") for event in consents.events],
        )

    def _access_history(self, subject: str, purpose: str) -> Section:
        """Who accessed the record, when and why, read from the audit ledger, all of it."""
        request = self.request(purpose, subject, (), Action.READ)
        items: list[Item] = []
        with self.store.sessions.begin() as session:
            assessment = self.assess(session, request, "access history for an access request")
            if assessment.decision.allowed and assessment.facts.known:
                hidden = withheld_purposes(self.policy, session, self.organisation, subject)
                offset = 0
                while True:
                    page = history(
                        session,
                        self.organisation,
                        subject,
                        limit=ACCESS_PAGE,
                        offset=offset,
                        without=hidden,
                    )
                    for record in page:
                        items.append(
                            Item(
                                f"access:{record.seq}",
                                record.at,
                                {
                                    "who": self.compiled.title("role", record.role)
                                    if record.role != "patient"
                                    else "you",
                                    "purpose": self.compiled.title("purpose", record.purpose),
                                    "action": record.action,
                                    "outcome": record.outcome,
                                    "what": ", ".join(
                                        self.compiled.title("category", c)
                                        for c in record.categories
                                    ),
                                    "reason": record.reason or "",
                                },
                            )
                        )
                    if len(page) < ACCESS_PAGE:
                        break
                    offset += ACCESS_PAGE
        self.enforce(assessment, subject)
        return Section("access", "Who accessed your record, when and why", items)


FREE_TEXT = {
    "clinical_entry": ("content",),
    "communication": ("summary",),
    "referral": ("letter", "reason"),
    "enquiry": ("text", "outcome"),
    "complaint": ("text", "outcome"),
}
"""The free-text values of each section, searched for third-party data."""

"""Disclosures (S0-54): the only way a patient's data leaves the organisation, and the log of
every time it did.

``disclose`` passes the sharing rules (``disclosure_gate``: a registered recipient, for one of
its purposes, only the fields it may receive; no processor whose agreement lapsed, no transfer
without a safeguard, no personal data to advertisers or analytics; the patient told first or an
exemption recorded for another controller; the patient's agreement for a share in their
interest; the DPO and a legal reason for legal disclosures and a business transfer; a fraud
check's justification), then a report to a referrer goes only to the referrer on the referral,
then the guard decides the purpose, role, care relationship, consent and restriction. Refused,
the decision is audited and nothing else is written; allowed, the log row, its items and the
audit event commit together.

The log is read for the patient's access package (Art. 15(1)(c): the recipients actually
disclosed to), for breach scoping (``disclosed_in``) and for Art. 19: when a rectification,
erasure or restriction changes data a recipient received, a notice to that recipient is queued
(``services.art19_notices``), and the DPO marks it sent once it has gone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.guard.rules import decide
from hippocratic.policy.record_binding import ReferralBinding
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.disclosure_gate import Disclose, Refusal, refusals
from hippocratic.services.field_value import FieldValue, opened
from hippocratic.services.page import Page
from hippocratic.storage import disclosure as log
from hippocratic.storage.ciphertext import SubjectKey
from hippocratic.storage.clinic import ReferralRow, record_field
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureRow
from hippocratic.storage.fraud_marker import FraudMarkerRow

EXEMPTION = "disclosure_exemption"
JUSTIFICATION = "disclosure_justification"
"""The vault bindings of a disclosure's sealed reasons."""


@dataclass(frozen=True)
class Disclosure:
    disclosure_id: str
    subject_id: str
    recipient: str
    recipient_name: str
    recipient_class: str
    party: str | None
    purpose: str
    purpose_title: str
    basis: str
    channel: str
    fields: tuple[str, ...]
    decided_by: str
    at: datetime
    related: str | None
    patient_told_at: datetime | None
    exempt: bool
    """Made without telling the patient first, under a recorded exemption."""
    exemption: FieldValue | None
    agreed_at: datetime | None
    justification: FieldValue | None


class Disclosures(ClinicService):
    def disclose(self, subject: str, ask: Disclose, request_id: str | None = None) -> Disclosure:
        """Send ``ask.fields`` of ``subject`` to ``ask.recipient``, if every rule allows it."""
        if not ask.fields:
            raise InputError("name the data to disclose", field="fields")
        fields = tuple(dict.fromkeys(ask.fields))
        cleaned = {
            name: text(value, name, max_length=200 if name == "party" else 5000) or None
            for name in ("party", "exemption", "justification")
            if isinstance(value := getattr(ask, name), str)
        }
        ask = Disclose(**{**ask.__dict__, **cleaned, "fields": fields})
        request = self.request(ask.purpose, subject, fields, Action.DISCLOSE, request_id)
        disclosure_id = str(uuid.uuid4())
        role = self.policy.role_by_key.get(self.actor.role)
        dpo = role is not None and role.dpo
        now = self.now()
        row: DisclosureRow | None = None
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            found = refusals(self.policy, ask, today=self.today(), now=now, dpo=dpo)
            party = ask.party.strip() if ask.party else None
            if not found:
                party, found = self._referrer(session, subject, ask, party)
                found += self._marker_stands(session, subject, ask)
            if found:
                decision = Decision(
                    False,
                    tuple(r.rule for r in found),
                    reasons=tuple(r.reason for r in found),
                )
                guard.record(request, decision, f"disclosure to {ask.recipient} refused")
                facts_known = True
            else:
                facts = guard.facts(request)
                facts_known = facts.known
                decision = _unmasked(decide(guard.compiled, request, facts))
                seq = guard.record(
                    request, decision, f"disclosure {disclosure_id} to {ask.recipient}"
                )
                if decision.allowed and facts.known:
                    row = self._write(session, subject, ask, party, disclosure_id, seq, now)
        if not decision.allowed:
            raise refusal(decision)
        if not facts_known or row is None:
            raise NotFound(f"no patient {subject} here", field="subject")
        return self._shown(row, list(fields), self.key(subject))

    def for_patient(
        self,
        subject: str,
        purpose: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[Disclosure]:
        """A patient's disclosures, newest first: one audited read of the log. A patient sees
        none made under an exemption from telling them."""
        page = self.patient_page(
            subject,
            purpose or self._rights_purpose(),
            (),
            DisclosureRow,
            (DisclosureRow.at, DisclosureRow.disclosure_id),
            lambda row, decision, key: row,
            cursor,
            limit,
        )
        rows = [row for row in page.items if self.actor.role != SELF_ROLE or row.exemption is None]
        with self.store.sessions() as session:
            items = log.items_of(session, self.organisation, [r.disclosure_id for r in rows])
        key = self.key(subject)
        return Page([self._shown(r, items.get(r.disclosure_id, []), key) for r in rows], page.next)

    def recipients_of(self, subject: str, purpose: str | None = None) -> list[dict[str, str]]:
        """Art. 15(1)(c): each recipient actually disclosed to, with what and when, oldest
        first, as the access package lists them."""
        found: dict[tuple[str, str], dict[str, str]] = {}
        cursor: str | None = None
        disclosures: list[Disclosure] = []
        while True:
            page = self.for_patient(subject, purpose, cursor, 200)
            disclosures.extend(page.items)
            if page.next is None:
                break
            cursor = page.next
        for made in sorted(disclosures, key=lambda d: (d.at, d.disclosure_id)):
            if made.exempt:
                continue  # the patient is not told of it, under the recorded exemption
            entry = found.setdefault(
                (made.recipient, made.party or ""),
                {
                    "recipient": made.recipient_name,
                    "kind": made.recipient_class.replace("_", " "),
                    "who": made.party or "",
                    "purposes": "",
                    "data": "",
                    "first": made.at.isoformat(),
                    "last": made.at.isoformat(),
                },
            )
            entry["last"] = made.at.isoformat()
            entry["purposes"] = _joined(entry["purposes"], made.purpose_title)
            for field in made.fields:
                entry["data"] = _joined(entry["data"], self.compiled.title("field", field))
        return list(found.values())

    def disclosed_in(
        self, start: datetime, end: datetime, recipient: str | None = None
    ) -> list[Disclosure]:
        """Breach scoping: everything disclosed in [start, end), optionally to one recipient,
        for the DPO only; each patient's history shows the look-up."""
        self.require_dpo("scope disclosures for a breach")
        if end <= start:
            raise InputError("the window ends after it starts", field="end")
        with self.store.sessions.begin() as session:
            rows = list(session.scalars(log.in_window(self.organisation, start, end, recipient)))
            items = log.items_of(session, self.organisation, [r.disclosure_id for r in rows])
            subjects = sorted({row.subject_id for row in rows})
            if subjects:
                requests = [
                    self.request(self._rights_purpose(), s, (), Action.READ) for s in subjects
                ]
                allowed = Decision(True, ("disclosure:breach_scoping",))
                self.guard(session).record_each(requests, allowed, "breach scoping")
        return [
            self._shown(row, items.get(row.disclosure_id, []), None, sealed=False) for row in rows
        ]

    # -- internals -------------------------------------------------------------------------

    def _referrer(
        self, session: Session, subject: str, ask: Disclose, party: str | None
    ) -> tuple[str | None, list[Refusal]]:
        """A report to a referrer goes to the referrer on the referral, and only to them."""
        recipient = self.policy.recipient_by_key[ask.recipient]
        if not recipient.to_referrer:
            return party, []
        rule = f"disclosure:{recipient.key}/referral"
        binding: ReferralBinding | None = self.policy.records.referral
        row = session.get(ReferralRow, (self.organisation, ask.referral or ""))
        if binding is None or row is None or row.subject_id != subject:
            return party, [
                Refusal(rule, f"{recipient.name}: name the patient's referral this answers")
            ]
        key = self.key(subject)
        binding_name = record_field(binding.referrer_field, row.referral_id)
        referrer = opened(key, self.organisation, subject, binding_name, row.referrer)
        if referrer is None:
            return party, [Refusal(rule, "the referral's referrer is no longer held")]
        if party is not None and party.casefold() != referrer.casefold():
            return party, [
                Refusal(
                    f"disclosure:{recipient.key}/not_the_referrer",
                    "a report goes only to the referrer on the referral, not to anyone else",
                )
            ]
        return referrer, []

    def _marker_stands(self, session: Session, subject: str, ask: Disclose) -> list[Refusal]:
        """A fraud marker is shared only once a person confirmed it (Art. 22, S0-60): an
        automated flag, or one nobody has reviewed, never leaves the organisation."""
        binding = self.policy.records.fraud_marker
        if binding is None or binding.marker_field not in ask.fields:
            return []
        confirmed = session.scalar(
            select(FraudMarkerRow.marker_id)
            .where(
                FraudMarkerRow.organisation_id == self.organisation,
                FraudMarkerRow.subject_id == subject,
                FraudMarkerRow.status == "confirmed",
            )
            .limit(1)
        )
        if confirmed is not None:
            return []
        return [
            Refusal(
                f"disclosure:{ask.recipient}/marker_unconfirmed",
                "only a fraud marker a person has reviewed and confirmed may be shared; an "
                "automated flag or an unreviewed one may not",
            )
        ]

    def _write(
        self,
        session: Session,
        subject: str,
        ask: Disclose,
        party: str | None,
        disclosure_id: str,
        seq: int,
        now: datetime,
    ) -> DisclosureRow:
        purpose = self.policy.purpose_by_key[ask.purpose]
        basis = purpose.lawful_basis.value + (
            f"; {purpose.special_condition.value}" if purpose.special_condition else ""
        )
        exemption = (ask.exemption or "").strip()
        reason = (ask.justification or "").strip()
        row = DisclosureRow(
            organisation_id=self.organisation,
            disclosure_id=disclosure_id,
            subject_id=subject,
            recipient=ask.recipient,
            party=party[:200] if party else None,
            purpose=ask.purpose,
            basis=basis,
            channel=ask.channel.value,
            decided_by=self.actor.actor,
            role=self.actor.role,
            at=now,
            related=f"referral:{ask.referral}" if ask.referral else None,
            patient_told_at=ask.patient_told_at,
            exemption=self.seal(subject, EXEMPTION, disclosure_id, exemption)
            if exemption
            else None,
            agreed_at=ask.agreed_at,
            justification=self.seal(subject, JUSTIFICATION, disclosure_id, reason)
            if reason
            else None,
            audit_seq=seq,
        )
        session.add(row)
        session.flush()
        category_of = self.policy.category_of_field
        session.add_all(
            DisclosureItemRow(
                organisation_id=self.organisation,
                disclosure_id=disclosure_id,
                field=field,
                category=category_of[field].key,
            )
            for field in ask.fields
        )
        return row

    def _rights_purpose(self) -> str:
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound("this organisation's policy names no rights purpose", field="purpose")
        return purpose

    def _shown(
        self,
        row: DisclosureRow,
        fields: list[str],
        key: SubjectKey | None,
        *,
        sealed: bool = True,
    ) -> Disclosure:
        recipient = self.policy.recipient_by_key.get(row.recipient)
        role = self.policy.role_by_key.get(self.actor.role)
        reads_reasons = sealed and role is not None and role.dpo

        def reason(name: str, blob: bytes | None) -> FieldValue | None:
            if not reads_reasons or blob is None:
                return None
            return self.reveal(
                Decision(True, ()), key, row.subject_id, name, row.disclosure_id, blob
            )

        return Disclosure(
            row.disclosure_id,
            row.subject_id,
            row.recipient,
            recipient.name if recipient else row.recipient,
            recipient.recipient_class.value
            if recipient
            else ("de-identified_release" if (row.related or "").startswith("release:") else ""),
            row.party,
            row.purpose,
            self.compiled.title("purpose", row.purpose),
            row.basis,
            row.channel,
            tuple(fields),
            row.decided_by,
            row.at,
            row.related,
            row.patient_told_at,
            row.exemption is not None,
            reason(EXEMPTION, row.exemption),
            row.agreed_at,
            reason(JUSTIFICATION, row.justification),
        )


def _unmasked(decision: Decision) -> Decision:
    """Nobody sends what they may only see hidden: a field the actor sees masked is refused."""
    if not decision.allowed or not decision.masked:
        return decision
    hidden = tuple(decision.masked)
    return Decision(
        False,
        (*decision.rule_ids, *(f"disclosure:masked:{field}" for field in hidden)),
        reasons=tuple(f"you see {field} only hidden, so you may not send it" for field in hidden),
        categories=decision.categories,
        denied_fields=hidden,
    )


def _joined(text: str, item: str) -> str:
    parts = [p for p in text.split(", ") if p]
    return ", ".join(parts if item in parts else [*parts, item])

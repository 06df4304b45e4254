"""Erasure (Art. 17): a decision for each kind of data held, then the erasure itself.

Each category of data held about the patient is erased unless the law says it must be kept:
medical records under the NHS Records Management Code while the patient has a medical record
here (clinical entries, or an appointment they attended: Art. 17(3)(c)), financial and other
records a law requires (Art. 17(3)(b)), each with the rule, its period and its source. Always
kept, and said so: the consent ledger (proof of what they agreed to and withdrew, and that
they must never be marketed to again, Art. 7(1)), the record of their requests and of who
accessed their data (Art. 5(2)).

Where nothing else must be kept, the patient's key is destroyed (crypto-shredding): every copy
of their encrypted data becomes unreadable at once, in this store and in every backup taken
before, and their remaining rows and search indexes are deleted. Otherwise only the erasable
items are deleted. The patient may ask for restriction instead (Art. 18(1)(b)). The reply says
what was erased, what was kept and why; the request's log holds the disposal certificate
(kinds and counts, never content), which outlives the key. Every recipient the disclosure log
shows received erased data gets an Art. 19 notice queued with the erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.errors import Conflict
from hippocratic.guard.decision import Action
from hippocratic.policy.category import DataCategory
from hippocratic.policy.retention import RetentionRationale
from hippocratic.policy.settings import RightName
from hippocratic.policy.wording import retention_rule
from hippocratic.services.records import Records
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import OUTCOME, RequestStatus, RightsRequest, StepStatus
from hippocratic.storage import disposal_deletions as deletions
from hippocratic.storage import erasure as store_erasure
from hippocratic.storage.consent import ConsentEventRow
from hippocratic.storage.disclosure import carrying, queue_notices
from hippocratic.storage.disposal_register import ERASURE, Disposal
from hippocratic.storage.rights_request import RightsRequestRow

CAMPAIGNS = "campaign_performance"
"""The category of what campaigns record about whom they reached."""


class Decision(StrEnum):
    ERASE = "erase"
    KEEP = "keep"


@dataclass(frozen=True)
class PlannedItem:
    category: str
    title: str
    decision: Decision
    reason: str
    fields: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErasurePlan:
    request_id: str
    subject: str
    items: list[PlannedItem]
    always_kept: list[str]

    @property
    def whole(self) -> bool:
        """Nothing must be kept: the patient's key is destroyed."""
        return all(item.decision is Decision.ERASE for item in self.items)

    @property
    def erased(self) -> list[PlannedItem]:
        return [item for item in self.items if item.decision is Decision.ERASE]

    @property
    def kept(self) -> list[PlannedItem]:
        return [item for item in self.items if item.decision is Decision.KEEP]


ALWAYS_KEPT = (
    "The record of who accessed your data and why (UK GDPR Arts. 5(2) and 32), without the "
    "data itself",
    "The record of this request and how we answered it (UK GDPR Art. 5(2))",
)
DISCLOSURES_KEPT = (
    "The record of whom we sent your data to, when and why (UK GDPR Arts. 5(2) and 19), "
    "without the data itself; each of them is told of this erasure"
)
CONSENT_KEPT = (
    "Proof of what you agreed to and withdrew, and that you must not be sent marketing "
    "(UK GDPR Art. 7(1); PECR): the words you were shown are kept, your details are not"
)


class Erasure(RightsDecisions):
    def plan(self, request_id: str) -> ErasurePlan:
        """What would be erased and what kept, and why: an audited read of what is held."""
        with self.store.sessions.begin() as session:
            row = self._erasure(session, request_id)
            read = self.request(self.purpose, row.subject_id, (), Action.READ)
            assessment = self.assess(session, read, f"erasure plan for request {request_id}")
            plan = self._plan(session, row) if assessment.decision.allowed else None
        self.enforce(assessment, row.subject_id)
        assert plan is not None
        return plan

    def carry_out(self, request_id: str, *, restrict_instead: bool = False) -> RightsRequest:
        """Erase as planned (the DPO's decision), or restrict instead at the patient's wish."""
        self._dpo("erase a patient's data")
        if restrict_instead:
            subject = self.get(request_id).subject_id
            Records(self.store, self.actor).set_restricted(subject, True)

            def restrict(session: Session, row: RightsRequestRow) -> str:
                self._close(row, RequestStatus.COMPLETED, "restricted instead of erased")
                return "restricted instead of erased, at the patient's request (Art. 18(1)(b))"

            return self._change(request_id, "restrict", restrict)
        holder: list[ErasurePlan] = []

        def erase(session: Session, row: RightsRequestRow) -> str:
            plan = self._plan(session, row)
            holder.append(plan)
            subject, org = row.subject_id, self.organisation
            if plan.whole:
                fields = [key for key, _ in self._held_fields(session, row)]
                kinds = list(store_erasure.RECORD_TABLES)
                store_erasure.end_care(session, org, [subject])
            else:
                fields = [f for item in plan.erased for f in item.fields]
                kept_kinds = {k for item in plan.kept for k in item.kinds}
                kinds = [k for item in plan.erased for k in item.kinds if k not in kept_kinds]
            unlinked = (
                store_erasure.unlink_campaigns(session, org, [subject])
                if CAMPAIGNS not in {item.category for item in plan.kept}
                else []
            )
            erased_categories = None if plan.whole else [item.category for item in plan.erased]
            queue_notices(
                session,
                org,
                subject,
                "erasure",
                None if plan.whole else [],
                f"rights_request:{row.request_id}",
                self.now(),
                categories=erased_categories,
            )
            records = store_erasure.erase_records(session, org, subject, kinds)
            values = store_erasure.erase_fields(session, org, subject, fields)
            if not plan.whole:  # the key lives on: the register names what went
                self._register(subject, row.request_id, records, values, unlinked)
            erased = ", ".join(item.title for item in plan.erased) or "nothing"
            kept = ", ".join(item.title for item in plan.kept) or "nothing else"
            how = "the patient's key destroyed (crypto-shredding); " if plan.whole else ""
            return (
                f"erasure certificate: {how}{len(records)} record(s) and {len(values)} value(s) "
                "deleted; "
                f"erased: {erased}; kept: {kept}"
            )

        erased = self._change(request_id, "erase", erase)
        plan = holder[0]
        if plan.whole:
            try:
                self.vault.shred_subject(
                    plan.subject, Disposal(ERASURE, request_id, self.actor.actor)
                )
            except Exception as error:  # the step shows failed; carrying out again re-runs it
                self._shred_failed(request_id, f"{type(error).__name__}: {error}")
                raise

        def close(session: Session, row: RightsRequestRow) -> str:
            row.status = RequestStatus.COMPLETED.value
            row.closed_at = self.now()
            row.closed_by = self.actor.actor
            if not plan.whole:
                summary = "; ".join(f"kept {item.title}: {item.reason}" for item in plan.kept)
                row.outcome = self.seal(row.subject_id, OUTCOME, request_id, summary)
            return "erasure complete" + (": key destroyed" if plan.whole else "")

        return self._change(request_id, "complete", close) if erased.is_open else erased

    def _register(
        self,
        subject: str,
        request_id: str,
        records: list[tuple[str, str, str]],
        fields: list[str],
        unlinked: list[str],
    ) -> None:
        """Enter a partial erasure's deletions in the deletion register (the key store),
        committed before the erasure's own transaction commits, so a restore replays them."""
        why = Disposal(ERASURE, request_id, self.actor.actor)
        org, at = self.organisation, self.now()
        tables: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
        for kind, table, item in records:
            tables.setdefault((kind, table), []).append((subject, item))
        entries = [
            *(e for (kind, table), items in tables.items()
              for e in deletions.named(org, kind, table, deletions.DELETE, items, at, why)),
            *deletions.named(org, "field", "subject_field", deletions.DELETE,
                             [(subject, f) for f in fields], at, why),
            *deletions.named(org, "campaign_message", "campaign_message", deletions.ANONYMISE,
                             [(subject, m) for m in unlinked], at, why),
        ]  # fmt: skip
        deletions.write(self.store.key_engine, entries)

    def _erasure(self, session: Session, request_id: str) -> RightsRequestRow:
        row = self.row(session, request_id)
        if row.right != RightName.ERASURE.value:
            raise Conflict(f"a {row.right} request is not an erasure")
        return row

    def _held_fields(self, session: Session, row: RightsRequestRow) -> list[tuple[str, str]]:
        held = store_erasure.held(session, self.organisation, row.subject_id)
        category = self.policy.category_of_field
        return [
            (key.removeprefix("field:"), category[key.removeprefix("field:")].key)
            for key in held
            if key.startswith("field:") and key.removeprefix("field:") in category
        ]

    def _plan(self, session: Session, row: RightsRequestRow) -> ErasurePlan:
        org, subject = self.organisation, row.subject_id
        held = store_erasure.held(session, org, subject)
        fields_of: dict[str, list[str]] = {}
        kinds_of: dict[str, list[str]] = {}
        for key, category_key in self._held_fields(session, row):
            fields_of.setdefault(category_key, []).append(key)
        for kind in held:
            if kind.startswith("field:"):
                continue
            for category_key in self._categories_of_kind(session, kind, subject):
                kinds_of.setdefault(category_key, []).append(kind)
        medical = "clinical_entry" in held or store_erasure.attended(session, org, subject)
        items = []
        for category in self.policy.categories:
            if category.key not in fields_of and category.key not in kinds_of:
                continue
            decision, reason = self._decide(category, medical)
            items.append(
                PlannedItem(
                    category.key,
                    category.title,
                    decision,
                    reason,
                    tuple(fields_of.get(category.key, ())),
                    tuple(dict.fromkeys(kinds_of.get(category.key, ()))),
                )
            )
        consents = session.scalar(
            select(func.count()).where(
                ConsentEventRow.organisation_id == org, ConsentEventRow.subject_id == subject
            )
        )
        sent = carrying(session, org, subject, None)
        kept = [
            *ALWAYS_KEPT,
            *([CONSENT_KEPT] if consents else []),
            *([DISCLOSURES_KEPT] if sent else []),
        ]
        return ErasurePlan(row.request_id, subject, items, kept)

    def _decide(self, category: DataCategory, medical: bool) -> tuple[Decision, str]:
        rule = self.policy.retention_by_key.get(category.retention or "")
        if rule is None:
            return Decision.ERASE, "no law requires us to keep it"
        period = f"{rule.title}: {retention_rule(rule)}" + (
            f" ({rule.citation})" if rule.citation else ""
        )
        if rule.rationale is RetentionRationale.HEALTHCARE and medical:
            return Decision.KEEP, (
                f"part of your medical record, which we must keep. {period}. UK GDPR "
                "Art. 17(3)(c) and (b)"
            )
        if rule.rationale is RetentionRationale.LEGAL:
            return Decision.KEEP, f"a law requires us to keep it. {period}. UK GDPR Art. 17(3)(b)"
        if rule.rationale is RetentionRationale.HEALTHCARE:
            return Decision.ERASE, "you have no medical record here, so nothing requires it"
        return Decision.ERASE, "we no longer need it for the purpose we collected it for"

    def _categories_of_kind(self, session: Session, kind: str, subject: str) -> set[str]:
        records, category = self.policy.records, self.policy.category_of_field
        fields: list[str] = []
        if kind == "appointment" and records.appointment:
            fields = [records.appointment.service_field]
        elif kind == "referral" and records.referral:
            fields = [records.referral.referrer_field, records.referral.letter_field]
        elif kind == "clinical_entry":
            fields = sorted(store_erasure.entry_fields(session, self.organisation, subject))
        elif kind == "communication" and records.communication:
            fields = [records.communication.summary_field]
        elif kind == "payment" and records.payment:
            fields = [records.payment.method_field]
        elif kind in ("enquiry", "complaint"):
            binding = getattr(records, kind)
            fields = [binding.text_field] if binding is not None else []
        elif kind == "fraud_marker" and records.fraud_marker:
            fields = [records.fraud_marker.marker_field]
        return {category[f].key for f in fields if f in category}

    def _shred_failed(self, request_id: str, log: str) -> None:
        with self.store.sessions.begin() as session:
            self.step(session, request_id, "shred", StepStatus.FAILED, log[:2000])

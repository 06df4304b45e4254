"""Every kind of record the store holds, with the policy's retention rule for it: where each
lives (``storage.retention_sweep.Source``), which rule governs it (by its field's category, as
the privacy notice says), and the children's rule beside an adult one. A rule whose trigger is
a fact about the patient (last seen, end of treatment, birthday, death, opt-out) is reviewed
as the patient's whole record under it; others item by item.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from hippocratic.domain.legal_source import SOURCES
from hippocratic.policy.document import Policy
from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.retention import RetentionRule, RetentionTrigger
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.clinic import (
    AppointmentRow,
    CaseRow,
    ClinicalEntryRow,
    CommunicationRow,
    PaymentRow,
    ReferralRow,
)
from hippocratic.storage.fraud_marker import FraudMarkerRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.retention_sweep import Source

SUBJECT_TRIGGERS = frozenset(
    {
        RetentionTrigger.LAST_SEEN,
        RetentionTrigger.END_OF_TREATMENT,
        RetentionTrigger.BIRTHDAY,
        RetentionTrigger.DEATH,
        RetentionTrigger.OPT_OUT,
    }
)


@dataclass(frozen=True)
class Sweepable:
    """One kind of record under one rule, and the children's rule beside an adult one."""

    source: Source
    rule: RetentionRule
    child: RetentionRule | None = None


def verified(rule: RetentionRule, year_end: YearEnd | None) -> bool:
    """True only if the rule's source is verified in a primary text and no date has to be
    assumed: where the policy states no financial year end (``year_end``), a rule that runs
    from one assumes the latest possible (12 months after the record), as ``disposal`` does,
    and is not verified."""
    return source_verified(rule) and not year_end_assumed(rule, year_end)


def source_verified(rule: RetentionRule) -> bool:
    source = SOURCES.get(rule.source or "")
    return bool(source and source.verified)


def year_end_assumed(rule: RetentionRule, year_end: YearEnd | None) -> bool:
    return rule.trigger is RetentionTrigger.FINANCIAL_YEAR_END and year_end is None


def sweepables(policy: Policy) -> list[Sweepable]:
    """Every kind of record the store holds, with the policy's rule for it."""
    rules = policy.retention_by_key
    category = policy.category_of_field

    def rule_of(field_key: str | None) -> RetentionRule | None:
        found = category.get(field_key or "")
        return rules.get(found.retention or "") if found is not None else None

    identifiers = [
        f for f, c in category.items() if c.retention and f in ("full_name", "date_of_birth")
    ]
    health = rule_of(identifiers[0]) if identifiers else None
    child = next((r for r in policy.retention if r.record_type == "child_health_record"), None)

    def with_child(rule: RetentionRule) -> RetentionRule | None:
        return child if rule.record_type == "adult_health_record" else None

    out: list[Sweepable] = []

    def add(source: Source, rule: RetentionRule | None) -> None:
        if rule is None:
            return
        level = rule.trigger in SUBJECT_TRIGGERS
        source = Source(
            source.kind,
            source.table,
            source.item,
            source.where,
            source.collected,
            source.last_interaction,
            level,
        )
        out.append(Sweepable(source, rule, with_child(rule)))

    by_rule: dict[str, list[str]] = {}
    for key, cat in category.items():
        if cat.retention in rules:
            by_rule.setdefault(cat.retention or "", []).append(key)
    for key, fields in by_rule.items():
        where = [SubjectFieldRow.field.in_(fields)]
        add(
            Source(
                "field", SubjectFieldRow, SubjectFieldRow.field, where, SubjectFieldRow.updated_at
            ),
            rules[key],
        )
        entries = [ClinicalEntryRow.field.in_(fields)]
        add(
            Source(
                "clinical_entry",
                ClinicalEntryRow,
                ClinicalEntryRow.entry_id,
                entries,
                ClinicalEntryRow.created_at,
            ),
            rules[key],
        )
    records = policy.records
    add(
        Source(
            "appointment",
            AppointmentRow,
            AppointmentRow.appointment_id,
            (),
            AppointmentRow.booked_at,
        ),
        health,
    )
    add(
        Source("referral", ReferralRow, ReferralRow.referral_id, (), ReferralRow.received_at),
        health,
    )
    if records.communication:
        add(
            Source(
                "communication",
                CommunicationRow,
                CommunicationRow.communication_id,
                (),
                CommunicationRow.occurred_at,
            ),
            rule_of(records.communication.summary_field),
        )
    if records.payment:
        add(
            Source("payment", PaymentRow, PaymentRow.payment_id, (), PaymentRow.taken_at),
            rule_of(records.payment.method_field),
        )
    for kind in ("enquiry", "complaint"):
        binding = getattr(records, kind)
        if binding is not None:
            interaction = func.coalesce(CaseRow.closed_at, CaseRow.received_at)
            add(
                Source(
                    kind,
                    CaseRow,
                    CaseRow.case_id,
                    (CaseRow.kind == kind,),
                    CaseRow.received_at,
                    interaction,
                ),
                rule_of(binding.text_field),
            )
    if records.fraud_marker:
        add(
            Source(
                "fraud_marker",
                FraudMarkerRow,
                FraudMarkerRow.marker_id,
                (),
                FraudMarkerRow.recorded_at,
            ),
            rule_of(records.fraud_marker.marker_field),
        )
    marketing = policy.marketing
    campaign = rules.get(marketing.campaign_retention or "") if marketing else None
    campaign = campaign or next(
        (r for r in policy.retention if r.record_type == "marketing_data"), None
    )
    add(
        Source(
            "campaign_message",
            CampaignMessageRow,
            CampaignMessageRow.message_id,
            (CampaignMessageRow.subject_id.is_not(None),),
            CampaignMessageRow.sent_at,
        ),
        campaign,
    )
    return out
